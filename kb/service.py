"""Questions in, decisions out: the store in Redis plus a per-process index kept in step with it."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Collection

import numpy as np

from kb.decide import Decision, decide
from kb.encoder import Encoder
from kb.entry import Entry
from kb.index import Hit, RetrievalIndex
from kb.retrieval_config import RetrievalConfig
from kb.store import KBStore, Snapshot


@dataclass(frozen=True)
class Result:
    """What the knowledge base says about one question."""

    decision: Decision
    hits: tuple[Hit, ...]  # the ranked candidates the decision was made from
    entries: dict[str, Entry]  # the entries named by `hits`
    left_out: tuple[Entry, ...] = ()  # excluded entries that would have ranked first


class KnowledgeBase:
    """Answers from the KB in Redis; the FAISS index is only a cache of it.

    Every question first reads the store's version (one Redis GET); when another process
    changed the KB, the index is rebuilt before answering, so edits take effect at once in
    every replica without a restart.
    """

    def __init__(self, store: KBStore, encoder: Encoder, config: RetrievalConfig) -> None:
        self._store = store
        self._encoder = encoder
        self._config = config
        self._lock = threading.Lock()
        self._snapshot = Snapshot(-1, {})
        self._index: RetrievalIndex | None = None

    def _current(self) -> tuple[Snapshot, RetrievalIndex | None]:
        with self._lock:
            if self._store.version() != self._snapshot.version:
                snapshot = self._store.snapshot()
                entries = list(snapshot.entries.values())
                self._index = (
                    RetrievalIndex.build(entries, self._encoder, self._config) if entries else None
                )
                self._snapshot = snapshot
            return self._snapshot, self._index

    def ask(self, question: str, k: int = 5, exclude: Collection[str] = ()) -> Result:
        """Rank the entries for `question` and decide: answer, clarify or don't know.

        Entries in `exclude` (say, ones the customer already said no to) are left out.
        """
        snapshot, index = self._current()
        found = index.search(question, k + len(exclude)) if index else []
        hits = tuple(h for h in found if h.entry_id not in exclude)[:k]
        first = next((i for i, h in enumerate(found) if h.entry_id not in exclude), len(found))
        left_out = tuple(snapshot.entries[h.entry_id] for h in found[:first])
        decision = decide(list(hits), self._config.thresholds)
        return Result(decision, hits, {h.entry_id: snapshot.entries[h.entry_id] for h in hits}, left_out)

    def vector(self, text: str) -> np.ndarray:
        """`text`'s embedding from the base model (stable across index rebuilds, unlike the tuned one)."""
        return self._encoder.encode([text])[0]

    def entry(self, entry_id: str) -> Entry | None:
        """The current version of one entry (None if it no longer exists)."""
        snapshot, _ = self._current()
        return snapshot.entries.get(entry_id)

    def is_plausible(self, hit: Hit) -> bool:
        """Good enough to offer as the next-best answer after the customer said "no"."""
        return hit.score >= self._config.thresholds.clarify_min

    def first_related(self, entry_id: str, exclude: list[str]) -> Entry | None:
        """The first existing related entry of `entry_id` not in `exclude`."""
        snapshot, _ = self._current()
        entry = snapshot.entries.get(entry_id)
        related = [snapshot.entries.get(r) for r in (entry.related if entry else ())]
        return next((r for r in related if r and r.id not in exclude), None)

    def categories(self) -> list[str]:
        """The categories the KB covers, most entries first."""
        snapshot, _ = self._current()
        counts: dict[str, int] = {}
        for entry in snapshot.entries.values():
            counts[entry.category] = counts.get(entry.category, 0) + 1
        return sorted(counts, key=lambda c: (-counts[c], c))
