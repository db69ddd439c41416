"""The two kinds of child process of the scale benchmark (bench.kb_scale), each with its own memory.

`fit_process` fits the KB in the store once, stores the fit, and times patching and searching it.
`replica_process` is a serving process as an action server runs one (a KnowledgeBase following the
store), driven over a pipe: it runs customer sessions, and watches for an edit to go live.
"""

from __future__ import annotations

import random
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import redis

from bench.kb_common import client, peak_rss_mb, rss_mb
from bench.kb_synthetic import customer_phrasing, edit
from infra.settings import load_settings
from kb.encoder import Encoder
from kb.entry import Entry
from kb.fits import FitStore, fit_key
from kb.index import Fit, RetrievalIndex
from kb.retrieval_config import RetrievalConfig
from kb.service import KnowledgeBase
from kb.store import KBStore

SESSIONS = 20
THINK = (0.5, 1.5)  # seconds a customer takes between questions (~20 questions a second in all)
SEARCHES = 300
PATCHES = 20
WATCH_LIMIT = 60.0  # seconds after which an edit counts as never live (reported as such)


def queries(entries: list[Entry], count: int, seed: int) -> list[tuple[str, str]]:
    """(question as typed, entry id) for `count` random entries."""
    rng = random.Random(seed)
    return [(customer_phrasing(rng.choice(e.questions)), e.id) for e in rng.sample(entries, min(count, len(entries)))]


def _encoder() -> Encoder:
    settings = load_settings()
    return Encoder(settings.embedding_model, settings.torch_threads)


def stored_mb(redis_client: redis.Redis, key: str) -> float:
    """The size of a stored fit's parts (read one at a time)."""
    name = fit_key(key)
    return sum(len(redis_client.lindex(name, i) or b"") for i in range(redis_client.llen(name))) / 2**20


def fit_process(url: str, result: Connection, reuse: bool = False) -> None:
    """Fit and store (timed, with this process's peak memory), then time patches and searches.
    With `reuse`, a fit of these entries already stored is loaded instead (no fit figures then)."""
    config, encoder = RetrievalConfig.load(), _encoder()
    store = KBStore(client(url))
    fits = FitStore(store.client, encoder, config)
    entries = list(store.snapshot().entries.values())
    encoder.encode(["warm up"])
    fit = fits.load(fits.key_for(entries)) if reuse else None
    figures: dict[str, Any] = {"fit_reused": fit is not None}
    if fit is None:
        before = rss_mb()
        started = time.perf_counter()
        fit = Fit.make(entries, encoder, config)
        figures |= {"fit_s": time.perf_counter() - started, "rss_before_fit_mb": before, "fit_peak_mb": peak_rss_mb()}
        started = time.perf_counter()
        fits.store(fit)
        figures["store_s"] = time.perf_counter() - started
    figures["stored_mb"] = stored_mb(store.client, fit.key)  # of a reused fit too: its parts are at hand
    index = RetrievalIndex(fit, config)
    rng = random.Random(1)
    patch_ms = []
    for n, entry in enumerate(rng.sample(entries, PATCHES)):
        started = time.perf_counter()
        index.patched({entry.id: edit(entry, n, Path(encoder.model_name))[0]})
        patch_ms.append((time.perf_counter() - started) * 1000)
    search_ms, rank_ms, right = [], [], 0
    for question, entry_id in queries(entries, SEARCHES, seed=2):
        started = time.perf_counter()
        hits = index.search(question)
        search_ms.append((time.perf_counter() - started) * 1000)
        right += bool(hits) and hits[0].entry_id == entry_id
        embedded = fit.encoder.encode([question])
        started = time.perf_counter()  # the part that grows with the KB: all but encoding the question
        index.search_embedded(embedded)
        rank_ms.append((time.perf_counter() - started) * 1000)
    result.send(figures | {
        "patch_ms": patch_ms, "search_ms": search_ms, "rank_ms": rank_ms,
        "top1": right / SEARCHES, "approximate": fit.approximate,
    })


class Sessions:
    """SESSIONS customers, each asking a question, thinking, asking again, until stopped."""

    def __init__(self, kb: KnowledgeBase, asked: list[tuple[str, str]]) -> None:
        self._kb, self._asked = kb, asked
        self._stop = threading.Event()
        self.latencies_ms: list[float] = []
        self._threads = [threading.Thread(target=self._customer, args=(n,), daemon=True) for n in range(SESSIONS)]
        for thread in self._threads:
            thread.start()

    def _customer(self, n: int) -> None:
        rng = random.Random(n)
        while not self._stop.wait(rng.uniform(*THINK)):
            started = time.perf_counter()
            self._kb.ask(rng.choice(self._asked)[0])
            self.latencies_ms.append((time.perf_counter() - started) * 1000)

    def stop(self) -> list[float]:
        self._stop.set()
        for thread in self._threads:
            thread.join()
        return self.latencies_ms


def _live_at(kb: KnowledgeBase, question: str, entry_id: str, answer: str) -> float | str:
    """When `question` was first answered by `entry_id` with `answer`; if not within WATCH_LIMIT,
    what ranked instead (the top hits and their scores, for the report)."""
    deadline = time.monotonic() + WATCH_LIMIT
    while time.monotonic() < deadline:
        result = kb.ask(question)
        if result.hits and result.hits[0].entry_id == entry_id and result.entries[entry_id].answer == answer:
            return time.time()
        time.sleep(0.01)  # a customer asking again and again, not a busy loop
    return ", ".join(f"{hit.entry_id} {hit.score:.3f}" for hit in result.hits[:4])


def replica_process(url: str, commands: Connection) -> None:
    """A serving process: answers the commands sent over `commands` (see bench.kb_scale)."""
    store = KBStore(client(url))
    kb = KnowledgeBase(store, _encoder(), RetrievalConfig.load())
    started = time.perf_counter()
    kb.ask("warm up")  # loads the stored fit
    asked = queries(list(store.snapshot().entries.values()), 1000, seed=3)
    commands.send({"load_s": time.perf_counter() - started, "rss_mb": rss_mb()})
    sessions: Sessions | None = None
    while True:
        command, *args = commands.recv()
        reply: Any = None
        if command == "sessions":
            sessions = Sessions(kb, asked)
        elif command == "stop_sessions":
            assert sessions is not None
            reply, sessions = sessions.stop(), None
        elif command == "watch":  # ack, then ask until the edited entry answers with its new text
            commands.send("watching")
            reply = _live_at(kb, *args)
        elif command == "fit_key":
            reply = kb.fit_key()
        elif command == "memory":
            reply = {"rss_mb": rss_mb(), "peak_mb": peak_rss_mb()}
        elif command == "exit":
            kb.close()
            commands.send(None)
            return
        commands.send(reply)
