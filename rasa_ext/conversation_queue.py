"""One conversation's messages, handled one at a time in arrival order, with a bounded backlog.

Rasa 3.6 lets every message of a burst wait on the conversation's lock in Redis, polling it once a
second for at most a minute: 200 messages sent within a second from one sender gave 145 `LockError`
time-outs and a tracker with 50 of them. The channels (rasa_ext/channels.py) instead line each
conversation's messages up here, inside the process, before Rasa is called, so the lock in Redis
(rasa_ext.lock_store) is only waited on for messages of the conversation that other replicas have
in hand; the backlog is per process. Pure asyncio (no Rasa import), so it is unit-tested from the
app's venv.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")

# Messages of one conversation waiting or in hand at once. A person types one every few
# seconds and our widget sends the next only once the last was taken; 20 turns of ~0.1-0.3 s
# are handled within a few seconds, while more would keep a REST client waiting past its patience
# and let one sender occupy the process.
BACKLOG = 20
# Messages waiting or in hand in the whole process, all conversations together. Each holds up to
# 20,000 characters and a task; far more than one process serves at ~0.04 s of CPU per message, and
# a flood of new senders (each within its own backlog) gets 429s instead of growing memory unbounded.
PROCESS_BACKLOG = 2000
# Retry-After is the expected time for the backlog to clear, within these bounds (seconds).
MIN_RETRY_SECONDS, MAX_RETRY_SECONDS = 1, 30


class Busy(Exception):
    """The conversation's backlog is full: try again after `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many messages at once; try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass
class _Line:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    count: int = 0  # waiting or in hand


class ConversationQueues:
    """Per-conversation FIFO lines for the messages of one process."""

    def __init__(self, backlog: int = BACKLOG, process_backlog: int = PROCESS_BACKLOG) -> None:
        self._backlog = backlog
        self._process_backlog = process_backlog
        self._in_process = 0  # messages waiting or in hand, all lines together
        self._lines: dict[str, _Line] = {}  # only conversations with a message in hand
        self._tasks: set[asyncio.Task] = set()  # the event loop keeps only weak references
        self._seconds = 0.3  # moving average of a message's handling time, for Retry-After

    def submit(self, sender: str, work: Callable[[], Awaitable[T]]) -> asyncio.Task[T]:
        """Start `work` once the conversation's earlier messages are done; raise Busy if its line, or
        the process, is full.

        The returned task runs to the end even if whoever awaits it goes away (await it through
        `asyncio.shield`), so a message taken is always handled. Tasks start in the order they were
        submitted and asyncio's lock is first-come first-served, so the order is kept.
        """
        if self._in_process >= self._process_backlog:
            raise Busy(self._retry_after(self._in_process))
        line = self._lines.setdefault(sender, _Line())
        if line.count >= self._backlog:
            raise Busy(self._retry_after(line.count))
        line.count += 1
        self._in_process += 1
        task = asyncio.ensure_future(self._run(sender, line, work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def waiting(self, sender: str) -> int:
        """Messages of the conversation waiting or in hand."""
        line = self._lines.get(sender)
        return line.count if line else 0

    async def _run(self, sender: str, line: _Line, work: Callable[[], Awaitable[T]]) -> T:
        try:
            async with line.lock:
                started = time.monotonic()
                try:
                    return await work()
                finally:
                    self._seconds = 0.8 * self._seconds + 0.2 * (time.monotonic() - started)
        finally:
            line.count -= 1
            self._in_process -= 1
            if not line.count:
                self._lines.pop(sender, None)

    def _retry_after(self, waiting: int) -> int:
        return min(MAX_RETRY_SECONDS, max(MIN_RETRY_SECONDS, math.ceil(waiting * self._seconds)))
