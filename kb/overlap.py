"""Entries that overlap: a question variant of one nearly the same as one of another's.

Customers asking such a question may get either entry's answer, so content owners are warned
unless the two answers are the same text.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from kb.encoder import Encoder
from kb.entry import Entry

# Cosine (base MiniLM) between two entries' question variants above which they overlap. The
# sample KB's closest pair of variants from different entries is 0.80 ("Can I return something I
# bought three weeks ago?" / "... in the sale?"), distinct questions with distinct answers; a
# reworded copy of a question ("How do I send an item back?" / "How can I send an item back?")
# scores above 0.9.
OVERLAP_SIMILARITY = 0.85


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
                self._known.update(zip(new, self._encoder.encode(new)))
            return np.stack([self._known[t] for t in texts]) if texts else np.zeros((0, 0), np.float32)


def find_overlaps(
    entries: Iterable[Entry], vectors: QuestionVectors, only: str | None = None,
    min_similarity: float = OVERLAP_SIMILARITY,
) -> list[Overlap]:
    """Pairs of entries that overlap and answer differently, closest first.

    With `only`, just the pairs that involve that entry id.
    """
    entries = list(entries)
    texts = [q for e in entries for q in e.questions]
    owners = np.array([i for i, e in enumerate(entries) for _ in e.questions])
    if len(texts) < 2:
        return []
    matrix = vectors.of(texts)
    similarity = matrix @ matrix.T
    similarity[owners[:, None] == owners[None, :]] = -1.0  # an entry's own variants don't count
    best: dict[tuple[int, int], tuple[float, int, int]] = {}
    for a, b in zip(*np.nonzero(np.triu(similarity >= min_similarity))):
        pair = (int(owners[a]), int(owners[b]))
        if similarity[a, b] > best.get(pair, (-1.0, 0, 0))[0]:
            best[pair] = (float(similarity[a, b]), int(a), int(b))
    found = []
    for (i, j), (score, a, b) in best.items():
        first, second = entries[i], entries[j]
        if first.answer.strip() == second.answer.strip() or (only and only not in (first.id, second.id)):
            continue
        found.append(Overlap(first.id, second.id, texts[a], texts[b], round(score, 2)))
    return sorted(found, key=lambda o: -o.similarity)
