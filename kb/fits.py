"""Fits shared through Redis: made once per KB content by whichever process holds the lock, loaded by all.

A fit of more than `apart_above` entries is made in a child process (kb.fitter), so the serving
process that took the lock holds no more memory than the others; a smaller one in the process.

Keys:
  * `kb:fit:latest`  string: the cache key (kb.index.cache_key) of the newest stored fit.
  * `kb:fit:{key}`   list of byte parts: that fit (kb.fit_parts.dumps): torch.save of the tuned
    layers' weights (~14 MB for MiniLM's top 2 layers), the ids and class vectors (1.5 kB per
    entry, half that for an approximate fit's float16 ones), then the FAISS search indexes,
    serialised, cut into parts of kb.fit_parts.PART_BYTES (8 MB; a Redis value must stay under
    512 MB, and 100,000 entries' variant graph is ~500 MB). An exact index holds 1.5 kB per
    question variant, an approximate one ~0.7 kB. Only the latest fit is kept.
  * `kb:fit:{key}:making`  the same list while it is being stored, part by part; renamed to
    `kb:fit:{key}` when complete. It expires MAKING_TTL seconds after its last part, so a
    process that dies while storing leaves nothing behind for long.
  * `kb:fit:lock`    a redis-py Lock (SET NX PX with a token): held by the one process fitting,
    extended while the fit runs, so a fitter that dies frees it within LOCK_LEASE seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing, contextmanager

import redis
from redis.exceptions import LockError

from kb.encoder import Encoder
from kb.entry import Entry
from kb.fit_parts import dumps, loads
from kb.fitter import made_apart
from kb.index import APPROXIMATE_ABOVE, Fit, cache_key
from kb.retrieval_config import RetrievalConfig

LATEST_KEY = "kb:fit:latest"
LOCK_KEY = "kb:fit:lock"
LOCK_LEASE = 60.0  # seconds
WAIT_POLL = 0.5  # seconds between looks while another process makes the first fit
MAKING_TTL = 600  # seconds a fit being stored is kept after its last part arrived
# Fits of more entries are made in a child process (kb.fitter). Measured 2026-11-30: made in a
# serving replica's refit thread, the fit of 10,000 entries took 6 min and left that replica at
# 1,054 MB against the other's 706; 100,000's runs 50 min and peaks at 1.65 GB on its own. A child
# costs ~13 s of CPU and ~470 MB to start (torch, transformers and the model), more than a fit up
# to this size adds in-process for its seconds to minutes (the sample KB, `make eval`'s sets).
APART_ABOVE = APPROXIMATE_ABOVE

log = logging.getLogger(__name__)


def fit_key(key: str) -> str:
    return f"kb:fit:{key}"


def fit_lock(client: redis.Redis) -> redis.lock.Lock:
    """The lock of the one process fitting (not thread-local: `kept` extends it from its own thread)."""
    return client.lock(LOCK_KEY, timeout=LOCK_LEASE, thread_local=False)


@contextmanager
def kept(lock: redis.lock.Lock) -> Iterator[None]:
    """Extend `lock` every third of its lease while the body runs."""
    done = threading.Event()

    def extend() -> None:
        while not done.wait(LOCK_LEASE / 3):
            try:
                lock.reacquire()
            except (LockError, redis.RedisError):
                log.warning("could not extend the fit lock; another process may fit too")
    keeper = threading.Thread(target=extend, daemon=True, name="kb-fit-lock")
    keeper.start()
    try:
        yield
    finally:
        done.set()


class FitStore:
    """Stores, loads and (under the lock) makes fits."""

    def __init__(self, client: redis.Redis, encoder: Encoder, config: RetrievalConfig,
                 apart_above: int = APART_ABOVE) -> None:
        self._redis = client
        self._encoder = encoder
        self._config = config
        self._apart_above = apart_above

    def key_for(self, entries: Sequence[Entry]) -> str:
        """The key a fit of `entries` is stored under."""
        return cache_key(entries, self._config, self._encoder.model_name)

    def latest_key(self) -> str | None:
        """The key of the newest stored fit, if any."""
        raw = self._redis.get(LATEST_KEY)
        return raw.decode() if raw else None

    def load(self, key: str | None = None) -> Fit | None:
        """The stored fit with `key` (default: the latest), or None."""
        key = key or self.latest_key()
        if not key:
            return None

        def part(position: int) -> bytes:
            raw = self._redis.lindex(fit_key(key), position)
            if raw is None:  # not stored, or replaced by a newer fit while being read
                raise KeyError(key)
            return raw
        try:
            return loads(part, self._encoder, self._config)
        except KeyError:
            return None

    def store(self, fit: Fit) -> None:
        """Keep `fit` as the latest; the previous one is dropped."""
        self._store_parts(fit.key, dumps(fit))

    def _store_parts(self, key: str, parts: Iterable[bytes | memoryview]) -> None:
        """Keep the fit whose byte parts are `parts` as the latest, under `key`.

        Each part is sent as it comes (a fit is never buffered whole for one command), to a
        list that becomes the fit only once complete, so no reader sees part of one.
        """
        making = f"{fit_key(key)}:making"
        self._redis.delete(making)
        for part in parts:
            self._redis.pipeline(transaction=False).rpush(making, part).expire(making, MAKING_TTL).execute()
        previous = self.latest_key()
        pipe = self._redis.pipeline(transaction=True)
        pipe.rename(making, fit_key(key))
        pipe.persist(fit_key(key))
        pipe.set(LATEST_KEY, key)
        if previous and previous != key:
            pipe.delete(fit_key(previous))
        pipe.execute()

    def fit_once(self, entries: Sequence[Entry]) -> Fit | None:
        """The fit of `entries`: loaded if stored, else made here and stored; None while another
        process holds the lock (its fit will be stored for everyone)."""
        lock = fit_lock(self._redis)
        if not lock.acquire(blocking=False):
            return None
        try:
            # Checked under the lock: a fit stored just before it was taken is not made again.
            key = self.key_for(entries)
            found = self.load(key)
            if found is not None:
                return found
            started, apart = time.perf_counter(), len(entries) > self._apart_above
            with kept(lock):
                if apart:
                    with closing(made_apart(entries, self._encoder, self._config)) as parts:
                        self._store_parts(key, parts)  # a failure here ends the child at once
                    fit = self.load(key)
                else:
                    fit = Fit.make(entries, self._encoder, self._config)
                    self.store(fit)
            log.info("fitted %d entries in %.1f s%s", len(entries), time.perf_counter() - started,
                     " in a child process" if apart else "")
            return fit
        finally:
            try:
                lock.release()
            except LockError:
                pass  # expired meanwhile: nothing to release

    def obtain(self, entries: Sequence[Entry]) -> Fit:
        """Any stored fit (the latest); if there is none, one made here or by the process that
        is making it (waited for)."""
        while True:
            fit = self.load() or self.fit_once(entries)
            if fit is not None:
                return fit
            time.sleep(WAIT_POLL)
