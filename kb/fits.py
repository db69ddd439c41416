"""Fits shared through Redis: made once per KB content by whichever process holds the lock, loaded by all.

Keys:
  * `kb:fit:latest`  string: the cache key (kb.index.cache_key) of the newest stored fit.
  * `kb:fit:{key}`   list of byte parts: that fit (kb.fits.dumps): torch.save of the tuned layers'
    weights (~14 MB for MiniLM's top 2 layers), the ids and class vectors (1.5 kB per entry, half
    that for an approximate fit's float16 ones), then the FAISS search indexes, serialised, cut
    into parts of PART_BYTES (8 MB; a Redis value must stay under 512 MB, and 100,000 entries'
    variant graph is ~500 MB). An exact index holds 1.5 kB per question variant, an approximate
    one ~0.7 kB. Only the latest fit is kept.
  * `kb:fit:lock`    a redis-py Lock (SET NX PX with a token): held by the one process fitting,
    extended while the fit runs, so a fitter that dies frees it within LOCK_LEASE seconds.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import faiss
import numpy as np
import redis
import torch
from redis.exceptions import LockError

from kb.encoder import Encoder
from kb.entry import Entry
from kb.finetune import TunedEncoder
from kb.index import Fit, cache_key
from kb.retrieval_config import RetrievalConfig

LATEST_KEY = "kb:fit:latest"
LOCK_KEY = "kb:fit:lock"
LOCK_LEASE = 60.0  # seconds
WAIT_POLL = 0.5  # seconds between looks while another process makes the first fit
# A stored fit's list items (a Redis value may hold 512 MB). Small, because loading holds a part,
# and redis-py's copies of it, beside the index being read. Measured 2026-11-30 (a 300,000-vector
# HNSW graph, 188 MB serialised, loaded in a fresh process; peak = VmHWM): streamed through
# _PartsReader the peak was 243 MB above the loaded graph with 64 MB parts, 29 MB with 8 MB parts;
# deserialised from a whole copy (as before), 375 MB.
PART_BYTES = 8 << 20

log = logging.getLogger(__name__)


def fit_key(key: str) -> str:
    return f"kb:fit:{key}"


def _serialised(index: faiss.Index | None) -> np.ndarray:
    return faiss.serialize_index(index) if index is not None else np.zeros(0, np.uint8)


def dumps(fit: Fit) -> list[bytes | memoryview]:
    """A fit as byte parts (the frozen lower layers are the base model's, so they are not included).

    The indexes' parts are views of their serialisation, not copies.
    """
    indexes = [_serialised(fit.variant_index), _serialised(fit.class_index)]
    buffer = io.BytesIO()
    torch.save({
        "key": fit.key, "ids": list(fit.ids), "digests": list(fit.digests), "top": fit.encoder.top.state_dict(),
        "classes": torch.from_numpy(fit.classes), "owners": torch.from_numpy(fit.owners),
        "index_bytes": [len(raw) for raw in indexes], "part_bytes": PART_BYTES,
    }, buffer)
    parts: list[bytes | memoryview] = [buffer.getvalue()]
    for raw in indexes:
        view = raw.data  # a memoryview of the serialisation
        parts += [view[i:i + PART_BYTES] for i in range(0, len(raw), PART_BYTES)]
    return parts


class _PartsReader:
    """One serialised index read from its consecutive stored parts, as faiss asks for it (a block
    of at most 1 MB a call): the serialisation is never held whole beside the index it becomes.
    At 100,000 entries (bench-kb, 2026-11-30) deserialising a whole copy put a replica's peak at
    2,080 MB against 1,555 MB once loaded."""

    def __init__(self, read_part: Callable[[int], bytes], position: int) -> None:
        self._read_part = read_part
        self._position = position
        self._part = memoryview(b"")
        self._at = 0

    def __call__(self, size: int) -> bytes:
        chunks = []
        while size > 0:
            if self._at == len(self._part):
                self._part, self._at = memoryview(self._read_part(self._position)), 0
                self._position += 1
            taken = self._part[self._at:self._at + size]
            chunks.append(taken)
            self._at += len(taken)
            size -= len(taken)
        return b"".join(chunks)


def loads(read_part: Callable[[int], bytes], encoder: Encoder, config: RetrievalConfig) -> Fit:
    """A fit from the parts of `dumps` (read one at a time, each index streamed into faiss), its
    tuned layers on top of `encoder`'s model."""
    state = torch.load(io.BytesIO(read_part(0)), weights_only=True)
    tuned_layers = config.finetune.tuned_layers if config.finetune.enabled else 0
    tuned = TunedEncoder(encoder.model, tuned_layers, config.max_tokens)
    tuned.top.load_state_dict(state["top"])
    tuned.top.requires_grad_(False)
    position = 1
    indexes: list[faiss.Index | None] = []
    for size in state["index_bytes"]:
        # faiss's type stubs leave out its Python-callback reader.
        reader = faiss.PyCallbackIOReader(_PartsReader(read_part, position))  # type: ignore[attr-defined]
        indexes.append(faiss.read_index(reader) if size else None)
        # The parts this index was cut into (fits stored before part_bytes was recorded: 64 MB).
        position += -(-size // state.get("part_bytes", 64 << 20))
    variant_index, class_index = indexes
    assert variant_index is not None
    return Fit(state["key"], tuple(state["ids"]), tuple(state["digests"]), tuned, state["classes"].numpy(),
               state["owners"].numpy().astype(np.int64), variant_index, class_index)


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

    def __init__(self, client: redis.Redis, encoder: Encoder, config: RetrievalConfig) -> None:
        self._redis = client
        self._encoder = encoder
        self._config = config

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
        previous = self.latest_key()
        pipe = self._redis.pipeline(transaction=True)
        pipe.delete(fit_key(fit.key))
        pipe.rpush(fit_key(fit.key), *dumps(fit))
        pipe.set(LATEST_KEY, fit.key)
        if previous and previous != fit.key:
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
            found = self.load(self.key_for(entries))
            if found is not None:
                return found
            started = time.perf_counter()
            with kept(lock):
                fit = Fit.make(entries, self._encoder, self._config)
            self.store(fit)
            log.info("fitted %d entries in %.1f s", len(entries), time.perf_counter() - started)
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
