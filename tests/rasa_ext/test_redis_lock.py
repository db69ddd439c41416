"""One owner per conversation across processes, in ticket order, with leases and fencing (rasa_ext.redis_lock).

Real Redis; each "replica" is a ConversationLocks with its own client and its own event loop in a
thread of its own (or a process, for kill -9).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
import redis

from rasa_ext.redis_lock import ConversationLocks, StaleLock
from tests.support import wait_for

T = TypeVar("T")


def in_threads(*scenarios: Coroutine[Any, Any, T]) -> list[T]:
    """Run each scenario on its own event loop in its own thread, at once (Playwright may own the main loop)."""
    with ThreadPoolExecutor(max_workers=len(scenarios)) as pool:
        return [future.result() for future in [pool.submit(asyncio.run, s) for s in scenarios]]


def test_one_conversation_is_served_one_message_at_a_time_in_ticket_order_across_two_replicas(redis_client, redis_url):
    entered: list[int] = []  # tokens, in the order their holders got in
    guard = threading.Lock()

    async def replica(count: int) -> None:
        # A lease far longer than the test: only the release notices can wake a waiter in time.
        locks = ConversationLocks(redis.Redis.from_url(redis_url), lease_seconds=60)

        async def message() -> None:
            async with locks.hold("c1", max_wait=30, max_hold=60) as held:
                with guard:
                    entered.append(held.token)
                # A read-modify-write that loses updates unless the holders take turns.
                history = locks.red.get("history") or b""
                await asyncio.sleep(0.002)
                locks.red.set("history", history + b"%d," % held.token)

        await asyncio.wait_for(asyncio.gather(*(message() for _ in range(count))), 20)

    in_threads(replica(15), replica(15))

    assert len(entered) == 30
    assert entered == sorted(entered), "holders got in out of ticket order"
    assert redis_client.get("history") == b"".join(b"%d," % token for token in entered)
    assert not redis_client.exists("lock:c1:queue"), "the last release leaves no queue behind"


DEAD_OWNER = textwrap.dedent("""
    import asyncio, sys, redis
    from rasa_ext.redis_lock import ConversationLocks

    async def main():
        locks = ConversationLocks(redis.Redis.from_url(sys.argv[1]), lease_seconds=float(sys.argv[2]))
        await locks.acquire("c2", max_wait=5, max_hold=60)
        print("holding", flush=True)
        await asyncio.sleep(60)

    asyncio.run(main())
""")


def test_the_lock_of_a_killed_owner_lapses_after_its_lease_and_the_next_one_gets_it(redis_client, redis_url):
    lease = 0.5
    owner = subprocess.Popen([sys.executable, "-c", DEAD_OWNER, redis_url, str(lease)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None and owner.stdout.readline().strip() == "holding"
        time.sleep(lease)  # renewed while alive: still held after its first lease
        assert redis_client.zcard("lock:c2:queue") == 1
        owner.kill()  # kill -9: it renews nothing more and releases nothing
        owner.wait()
    finally:
        owner.kill()

    async def successor() -> tuple[int, float]:
        locks = ConversationLocks(redis.Redis.from_url(redis_url), lease_seconds=lease)
        started = time.monotonic()
        async with locks.hold("c2", max_wait=10, max_hold=60) as held:
            return held.token, time.monotonic() - started

    token, waited = in_threads(successor())[0]
    assert token == 2  # the dead owner had 1
    # Within a few leases (a busy machine delays timers), not Rasa's 60 s lock lifetime.
    assert waited < 10 * lease, f"waited {waited:.2f} s for a lock whose owner's lease was {lease} s"


def test_a_stalled_owner_whose_lease_lapsed_is_refused_its_write_and_the_new_owner_keeps_its_own(redis_client,
                                                                                                redis_url):
    lease = 0.3
    first_holds, second_wrote = threading.Event(), threading.Event()

    async def stalled() -> tuple[int, bool]:
        locks = ConversationLocks(redis.Redis.from_url(redis_url), lease_seconds=lease)
        async with locks.hold("c3", max_wait=5, max_hold=60) as held:
            locks.fenced_set(held, "tracker", "first, before the stall")
            first_holds.set()
            # The whole process stalls (a long GC, a starved CPU): nothing renews its lease.
            assert second_wrote.wait(10)
            with pytest.raises(StaleLock):
                locks.fenced_set(held, "tracker", "first, after the stall")
            return held.token, held.lost

    async def successor() -> int:
        assert await asyncio.to_thread(first_holds.wait, 10)
        locks = ConversationLocks(redis.Redis.from_url(redis_url), lease_seconds=lease)
        async with locks.hold("c3", max_wait=5, max_hold=60) as held:
            # Through another client of the same Redis, as the tracker store writes it.
            locks.fenced_set(held, "tracker", "second", client=redis.Redis.from_url(redis_url))
            second_wrote.set()
            await asyncio.sleep(0.1)  # still holding while the stalled one tries to write
            return held.token

    (first_token, first_lost), second_token = in_threads(stalled(), successor())
    assert second_token > first_token
    assert first_lost
    assert redis_client.get("tracker") == b"second"
    wait_for(lambda: not redis_client.exists("lock:c3:queue"), "both released", timeout=5)
