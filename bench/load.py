"""Concurrent customer sessions against a Rasa REST channel: throughput, latencies and CPU per message."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import psutil

from bench.clients import Customer

# Messages both bots understand as greetings (the starter bot's intent `greet`, ours too), so the
# comparison is of the machinery around NLU and the dialogue, not of different answers.
GREETINGS = ("hello", "hi", "good morning", "hey there", "hello there")
MESSAGES = 10


@dataclass
class Load:
    """One run: `sessions` customers at once, each sending `messages` messages in turn."""

    sessions: int
    messages: int
    seconds: float
    latencies_ms: list[float]
    cpu_ms: dict[str, float]  # CPU time per message of each watched process, by name

    @property
    def throughput(self) -> float:
        """Messages answered per second."""
        return self.sessions * self.messages / self.seconds


def _session(rasa_url: str, messages: int) -> list[float]:
    customer = Customer(rasa_url)
    latencies = []
    for n in range(messages):
        start = time.perf_counter()
        replies = customer.say(GREETINGS[n % len(GREETINGS)])
        latencies.append((time.perf_counter() - start) * 1000)
        assert replies, "no reply"
    return latencies


def _cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    times = {name: psutil.Process(pid).cpu_times() for name, pid in pids.items()}
    return {name: t.user + t.system for name, t in times.items()}


def run_load(rasa_url: str, sessions: int, messages: int = MESSAGES, pids: dict[str, int] | None = None) -> Load:
    """Start `sessions` customer sessions at once and wait for all; `pids` are the processes
    whose CPU time is charged to the messages (Rasa, the action server...)."""
    pids = pids or {}
    cpu_before = _cpu_seconds(pids)
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=sessions) as pool:
        results = list(pool.map(lambda _: _session(rasa_url, messages), range(sessions)))
    seconds = time.perf_counter() - start
    cpu_after = _cpu_seconds(pids)
    total = sessions * messages
    cpu_ms = {name: (cpu_after[name] - cpu_before[name]) * 1000 / total for name in pids}
    return Load(sessions, messages, seconds, [ms for r in results for ms in r], cpu_ms)
