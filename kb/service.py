"""Questions in, decisions out: the store in Redis plus a per-process index kept in step with it.

The index that answers is immutable and replaced with one reference assignment. A background
thread (one per process) keeps it in step with Redis:
  * every edit is patched in at once (kb.store's change log names the entries; kb.index.patched
    encodes them with the current fit's tuned model), typically within a few hundred ms;
  * once the KB has been quiet for `refit_after` seconds, the tuned model is refitted to it by
    one process for all (kb.fits, under a Redis lock), and every process swaps that fit in.
A question never waits for a fit: it waits at most SYNC_WAIT for a pending patch, then answers
from the index at hand. What is shown is always read from Redis at answer time, so a deleted
entry is never shown and an edited answer never shows its old text, however far the index lags.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import threading
import time
from collections.abc import Collection
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
from redis.exceptions import RedisError

from kb.decide import Decision, decide
from kb.encoder import Encoder
from kb.entry import Entry
from kb.fits import FitStore
from kb.index import Fit, Hit, RetrievalIndex
from kb.retrieval_config import RetrievalConfig
from kb.store import KBStore

POLL = 0.2  # seconds between looks at the KB version when no question asks
SYNC_WAIT = 1.0  # seconds a question waits for a pending patch before using the index at hand
REFIT_AFTER = 5.0  # seconds without edits before the model is refitted (a burst of edits is one fit)

log = logging.getLogger(__name__)

# glibc's allocator keeps memory a thread freed for that thread's arena: without giving it back, a
# refitting process's RSS grew with every refit (measured in bench/kb_refits.py; README).
_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
_MALLOC_TRIM = getattr(_LIBC, "malloc_trim", None)  # glibc only


def release_memory() -> None:
    """Free what the previous fit held now, and return freed heap pages to the system."""
    gc.collect()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


@dataclass(frozen=True)
class Result:
    """What the knowledge base says about one question."""

    decision: Decision
    hits: tuple[Hit, ...]  # the ranked candidates the decision was made from
    entries: dict[str, Entry]  # the entries named by `hits`
    left_out: tuple[Entry, ...] = ()  # excluded entries that would have ranked first


@dataclass(frozen=True)
class Serving:
    """The entries at one version of the store and the index that ranks them (never changed)."""

    version: int
    mark: str  # kb.store change-log record included
    entries: dict[str, Entry]
    index: RetrievalIndex


def index_for(fit: Fit, entries: dict[str, Entry], config: RetrievalConfig) -> RetrievalIndex:
    """An index serving `fit` with every entry that differs from it patched in."""
    index = RetrievalIndex(fit, config)
    return index.patched({i: entries.get(i) for i in set(fit.ids) | set(entries)})


class KnowledgeBase:
    """Answers from the KB in Redis; the index is only a cache of it, kept in step in the background."""

    def __init__(self, store: KBStore, encoder: Encoder, config: RetrievalConfig,
                 refit_after: float = REFIT_AFTER) -> None:
        self._store = store
        self._encoder = encoder
        self._config = config
        self._fits = FitStore(store.client, encoder, config)
        self._refit_after = refit_after
        self._serving: Serving | None = None
        self._starting = threading.Lock()
        self._swapped = threading.Condition()
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._refitter = ThreadPoolExecutor(1, thread_name_prefix="kb-refit")
        self._refit: Future | None = None
        self._last_change = time.monotonic()
        self._wanted: tuple[int, str] = (-1, "")

    # -- questions ------------------------------------------------------------------------------

    def ask(self, question: str, k: int = 5, exclude: Collection[str] = ()) -> Result:
        """Rank the entries for `question` and decide: answer, clarify or don't know.

        Entries in `exclude` (say, ones the customer already said no to) are left out.
        """
        serving = self._fresh()
        ranked = serving.index.search(question, k + len(exclude))
        stored = self._store.get_many([h.entry_id for h in ranked])
        current = {i: e for i, e in stored.items() if e is not None}  # not deleted since the index was made
        found = [h for h in ranked if h.entry_id in current]
        hits = tuple(h for h in found if h.entry_id not in exclude)[:k]
        first = next((i for i, h in enumerate(found) if h.entry_id not in exclude), len(found))
        left_out = tuple(current[h.entry_id] for h in found[:first])
        decision = decide(list(hits), self._config.thresholds)
        return Result(decision, hits, {h.entry_id: current[h.entry_id] for h in hits}, left_out)

    def vector(self, text: str) -> np.ndarray:
        """`text`'s embedding from the base model (stable across fits, unlike the tuned one)."""
        return self._encoder.encode([text])[0]

    def entry(self, entry_id: str) -> Entry | None:
        """The current version of one entry (None if it no longer exists)."""
        return self._store.get(entry_id)

    def is_plausible(self, hit: Hit) -> bool:
        """Good enough to offer as the next-best answer after the customer said "no"."""
        return hit.score >= self._config.thresholds.clarify_min

    def first_related(self, entry_id: str, exclude: list[str]) -> Entry | None:
        """The first existing related entry of `entry_id` not in `exclude`."""
        entry = self._store.get(entry_id)
        related = self._store.get_many(list(entry.related)) if entry else {}
        return next((r for r in related.values() if r and r.id not in exclude), None)

    def categories(self) -> list[str]:
        """The categories the KB covers, most entries first."""
        counts: dict[str, int] = {}
        for entry in self._ready().entries.values():
            counts[entry.category] = counts.get(entry.category, 0) + 1
        return sorted(counts, key=lambda c: (-counts[c], c))

    def fit_key(self) -> str:
        """The cache key of the fit serving now (kb.index.cache_key)."""
        return self._ready().index.fit.key

    def close(self) -> None:
        """Stop following the store (the index at hand keeps answering)."""
        self._stopped.set()
        self._wake.set()
        self._refitter.shutdown(wait=False, cancel_futures=True)

    # -- keeping the index in step ----------------------------------------------------------------

    def _ready(self) -> Serving:
        """The index at hand; the first call loads (or, if none is stored, makes) a fit."""
        serving = self._serving
        if serving is None:
            with self._starting:
                if self._serving is None:
                    snapshot = self._store.snapshot()
                    # In the refit thread, where every later fit is made too: one thread's allocator
                    # arena then holds fits' working memory, not two (bench/kb_refits.py: ~20 MB less).
                    fit = self._refitter.submit(self._fits.obtain, list(snapshot.entries.values())).result()
                    index = index_for(fit, snapshot.entries, self._config)
                    self._serving = Serving(snapshot.version, snapshot.mark, snapshot.entries, index)
                    del fit, index, snapshot
                    release_memory()  # what loading the fit left in the allocator's free lists
                    threading.Thread(target=self._follow, daemon=True, name="kb-follow").start()
            serving = self._at_hand()
        return serving

    def _at_hand(self) -> Serving:
        """The serving index (once `_ready` made one)."""
        serving = self._serving
        assert serving is not None
        return serving

    def _fresh(self) -> Serving:
        """The index at hand, after waiting (at most SYNC_WAIT) for the patch of a newer version."""
        serving = self._ready()
        version = self._store.version()
        if version == serving.version:
            return serving
        self._wake.set()
        with self._swapped:
            self._swapped.wait_for(lambda: self._at_hand().version == version or (
                self._at_hand() is not serving and self._at_hand().version > version), SYNC_WAIT)
            return self._at_hand()

    def _swap(self, serving: Serving) -> None:
        with self._swapped:
            self._serving = serving
            self._swapped.notify_all()

    def _follow(self) -> None:
        """The background loop: patch each change in, refit when quiet, adopt new fits."""
        failing = False
        while not self._stopped.is_set():
            self._wake.wait(POLL)
            self._wake.clear()
            try:
                self._sync()
                self._refit_when_due()
                failing = False
            except Exception as error:
                if self._stopped.is_set():
                    return  # closed meanwhile (its refit thread shut down): nothing went wrong
                if not failing:
                    log.warning("could not bring the KB index up to date; retrying: %r", error,
                                exc_info=not isinstance(error, RedisError))
                failing = True
                self._last_change = time.monotonic()  # a failed refit is tried again after the quiet delay
                self._stopped.wait(1.0)

    def _sync(self) -> None:
        """Patch the entries changed since the index's version in; swap."""
        serving = self._at_hand()
        changes = self._store.changes(serving.version, serving.mark)
        if changes.ids is None:  # the log cannot tell: compare every entry
            snapshot = self._store.snapshot()
            entries, version, mark = snapshot.entries, snapshot.version, snapshot.mark
            changed = {i: entries.get(i) for i in set(entries) | set(serving.entries)
                       if entries.get(i) != serving.entries.get(i)}
        elif changes.version != serving.version:
            changed = self._store.get_many(sorted(changes.ids))
            entries = {**serving.entries, **{i: e for i, e in changed.items() if e is not None}}
            for gone in (i for i, e in changed.items() if e is None):
                entries.pop(gone, None)
            version, mark = changes.version, changes.mark
        else:
            return
        self._swap(Serving(version, mark, entries, serving.index.patched(changed)))
        self._last_change = time.monotonic()

    def _refit_when_due(self) -> None:
        """Adopt a finished or newer stored fit; start a refit once the KB has been quiet."""
        serving = self._at_hand()
        if self._refit is not None:
            if self._refit.done():
                finished, self._refit = self._refit, None
                fit = finished.result()
                if fit is None:
                    # Another process holds the fit lock: its fit will appear as the latest. Asked
                    # again at once, every poll copied the entries (2 s of the GIL in 2 min at 100,000).
                    self._last_change = time.monotonic()
                elif fit.key != serving.index.fit.key:
                    self._swap(replace(serving, index=index_for(fit, serving.entries, self._config)))
                    del serving, fit, finished
                    release_memory()
            return
        latest = self._fits.latest_key()
        if latest and latest != serving.index.fit.key:  # another process refitted
            self._refit = self._refitter.submit(self._fits.load, latest)
        elif (time.monotonic() - self._last_change >= self._refit_after
              and self._wanted_key(serving) != serving.index.fit.key):
            entries = list(serving.entries.values())
            self._refit = self._refitter.submit(self._fits.fit_once, entries)

    def _wanted_key(self, serving: Serving) -> str:
        """The fit key of the entries at hand (computed once per version)."""
        if self._wanted[0] != serving.version:
            self._wanted = (serving.version, self._fits.key_for(list(serving.entries.values())))
        return self._wanted[1]
