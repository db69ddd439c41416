"""Entries that overlap: a question variant of one nearly the same as one of another's.

Customers asking such a question may get either entry's answer, so content owners are warned
unless the two answers are the same text. Each entry's questions are compared with their
NEIGHBOURS nearest questions in an index of the KB's (not with every question), and the desk
keeps the KB's pairs in Redis, brought up to date by comparing only the entries changed since
(OverlapChecker), so a page view costs a read.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import faiss
import numpy as np

from kb.encoder import Encoder
from kb.entry import Entry
from kb.store import KBStore, Snapshot

# Cosine (base MiniLM) between two entries' question variants above which they overlap. The
# sample KB's closest pair of variants from different entries is 0.80 ("Can I return something I
# bought three weeks ago?" / "... in the sale?"), distinct questions with distinct answers; a
# reworded copy of a question ("How do I send an item back?" / "How can I send an item back?")
# scores above 0.9.
OVERLAP_SIMILARITY = 0.85
# Nearest questions looked at per question (an entry's own among them): an entry with more
# overlapping questions than this in other entries is still flagged, by its closest ones.
NEIGHBOURS = 20
# JSON {"version", "mark", "pairs"}: the KB's overlapping pairs at that kb:version (kb.store).
OVERLAPS_KEY = "kb:overlaps"


@dataclass(frozen=True)
class Overlap:
    """Two entries whose closest questions are nearly the same."""

    first: str  # entry ids
    second: str
    first_question: str
    second_question: str
    similarity: float


class QuestionVectors:
    """Embeddings of question variants, remembered by text so a save only encodes what is new."""

    def __init__(self, encoder: Encoder) -> None:
        self._encoder = encoder
        self._known: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def of(self, texts: list[str]) -> np.ndarray:
        """One unit vector per text (rows in order)."""
        with self._lock:
            new = sorted({t for t in texts if t not in self._known})
            if new:
                self._known.update(zip(new, self._encoder.encode(new), strict=True))
            return np.stack([self._known[t] for t in texts]) if texts else np.zeros((0, 0), np.float32)

    def keep_only(self, texts: Iterable[str]) -> None:
        """Forget the vectors of other texts (questions edited away)."""
        wanted = set(texts)
        with self._lock:
            self._known = {t: v for t, v in self._known.items() if t in wanted}


class QuestionIndex:
    """Every question variant of a KB in an exact inner-product index (base-model vectors)."""

    def __init__(self, entries: Iterable[Entry], vectors: QuestionVectors) -> None:
        self.entries = {e.id: e for e in entries}
        self._vectors = vectors
        self._texts = [q for e in self.entries.values() for q in e.questions]
        self._owners = [e.id for e in self.entries.values() for _ in e.questions]
        matrix = vectors.of(self._texts)
        self._index = faiss.IndexFlatIP(matrix.shape[1]) if self._texts else None
        if self._index is not None:
            self._index.add(matrix)

    def overlaps_of(self, entry_id: str, min_similarity: float = OVERLAP_SIMILARITY) -> list[Overlap]:
        """The entries `entry_id` overlaps (closest pair of questions each), `entry_id` first."""
        entry = self.entries[entry_id]
        if self._index is None or not entry.questions:
            return []
        sims, rows = self._index.search(self._vectors.of(list(entry.questions)), min(NEIGHBOURS, self._index.ntotal))
        best: dict[str, Overlap] = {}
        for question, row_sims, row_ids in zip(entry.questions, sims, rows, strict=True):
            for sim, row in zip(row_sims, row_ids, strict=True):
                other = self.entries[self._owners[row]]
                if sim < min_similarity or other.id == entry_id or other.answer.strip() == entry.answer.strip():
                    continue
                if sim > best.get(other.id, Overlap("", "", "", "", -1.0)).similarity:
                    best[other.id] = Overlap(entry_id, other.id, question, self._texts[row], float(sim))
        return list(best.values())


def _pairs(index: QuestionIndex, entry_ids: Iterable[str]) -> dict[tuple[str, str], Overlap]:
    """The pairs of these entries, each once, first in the index's order."""
    order = {entry_id: i for i, entry_id in enumerate(index.entries)}
    found: dict[tuple[str, str], Overlap] = {}
    for entry_id in entry_ids:
        for found_one in index.overlaps_of(entry_id):
            o = found_one
            if order[o.first] > order[o.second]:
                o = Overlap(o.second, o.first, o.second_question, o.first_question, o.similarity)
            found[(o.first, o.second)] = o
    return found


def _sorted(pairs: Iterable[Overlap]) -> list[Overlap]:
    return sorted((Overlap(**{**asdict(o), "similarity": round(o.similarity, 2)}) for o in pairs),
                  key=lambda o: (-o.similarity, o.first, o.second))


def find_overlaps(
    entries: Iterable[Entry], vectors: QuestionVectors, only: str | None = None,
) -> list[Overlap]:
    """Pairs of entries that overlap and answer differently, closest first.

    With `only`, just the pairs that involve that entry id.
    """
    index = QuestionIndex(entries, vectors)
    ids = list(index.entries) if only is None else [only] if only in index.entries else []
    return _sorted(_pairs(index, ids).values())


class OverlapChecker:
    """The KB's overlapping pairs, kept in Redis (OVERLAPS_KEY) and brought up to date when read:
    only the entries changed since (kb.store's change log) are compared again."""

    def __init__(self, store: KBStore, vectors: QuestionVectors) -> None:
        self._store = store
        self._vectors = vectors
        self._lock = threading.Lock()
        self._index: tuple[int, QuestionIndex | None] = (-1, None)

    def pairs(self, snapshot: Snapshot, only: str | None = None) -> list[Overlap]:
        """The overlapping pairs at `snapshot` (or those of entry `only`), closest first."""
        with self._lock:
            raw = self._store.client.get(OVERLAPS_KEY)
            stored = json.loads(raw) if raw else None
            if stored is None or stored["version"] != snapshot.version:
                stored = self._update(snapshot, stored)
        pairs = [Overlap(**p) for p in stored["pairs"]]
        return [p for p in pairs if only in (None, p.first, p.second)]

    def _update(self, snapshot: Snapshot, stored: dict | None) -> dict:
        changed = self._store.changes(stored["version"], stored["mark"]).ids if stored else None
        index = self._question_index(snapshot)
        redo = set(index.entries) if changed is None else changed & set(index.entries)
        kept = [] if changed is None or stored is None else [
            Overlap(**p) for p in stored["pairs"] if not {p["first"], p["second"]} & changed]
        pairs = {(o.first, o.second): o for o in kept} | _pairs(index, sorted(redo))
        result = {"version": snapshot.version, "mark": snapshot.mark,
                  "pairs": [asdict(o) for o in _sorted(pairs.values())]}
        # A plain write: a desk that wrote an older version's result meanwhile is overwritten or,
        # if it writes last, brought up to date by the next read (its version is older).
        self._store.client.set(OVERLAPS_KEY, json.dumps(result))
        return result

    def _question_index(self, snapshot: Snapshot) -> QuestionIndex:
        """The index of the snapshot's questions (rebuilt from remembered vectors once per version)."""
        version, index = self._index
        if version != snapshot.version or index is None:
            index = QuestionIndex(sorted(snapshot.entries.values(), key=lambda e: e.id), self._vectors)
            self._vectors.keep_only(q for e in snapshot.entries.values() for q in e.questions)
            self._index = (snapshot.version, index)
        return index
