"""One conversation's messages are handled one at a time, in order, up to a backlog (rasa_ext.conversation_queue)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Coroutine, TypeVar

import pytest

from rasa_ext.conversation_queue import MAX_RETRY_SECONDS, MIN_RETRY_SECONDS, Busy, ConversationQueues

T = TypeVar("T")


def run(scenario: Coroutine[Any, Any, T]) -> T:
    """Run `scenario` on a fresh event loop in its own thread: in the full suite, Playwright's sync
    API keeps a loop running in the main thread, where asyncio.run() is refused."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, scenario).result()


def test_messages_of_one_conversation_run_one_at_a_time_in_order_and_others_run_alongside():
    async def scenario() -> tuple[list[str], int]:
        queues = ConversationQueues(backlog=10)
        log: list[str] = []
        running = {"a": 0, "b": 0}
        most = 0

        def work(sender: str, n: int):
            async def run() -> int:
                nonlocal most
                running[sender] += 1
                most = max(most, running[sender])
                await asyncio.sleep(0.001 * (5 - n % 5))  # later messages finish faster
                log.append(f"{sender}{n}")
                running[sender] -= 1
                return n
            return run

        tasks = [queues.submit(s, work(s, n)) for n in range(10) for s in "ab"]
        results = await asyncio.gather(*tasks)
        assert results == [n for n in range(10) for _ in "ab"]
        assert queues.waiting("a") == 0  # a line is forgotten once empty
        return log, most

    log, most = run(scenario())
    assert [m for m in log if m[0] == "a"] == [f"a{n}" for n in range(10)]
    assert [m for m in log if m[0] == "b"] == [f"b{n}" for n in range(10)]
    assert most == 1


def test_beyond_the_backlog_a_message_is_refused_with_a_retry_delay_and_nothing_of_it_runs():
    async def scenario() -> tuple[int, int, int]:
        queues = ConversationQueues(backlog=3)
        release = asyncio.Event()
        ran = []

        def work(n: int):
            async def run() -> None:
                await release.wait()
                ran.append(n)
            return run

        tasks = [queues.submit("a", work(n)) for n in range(3)]
        with pytest.raises(Busy) as busy:
            queues.submit("a", work(99))
        other = queues.submit("b", work(7))  # another conversation is not held up
        release.set()
        await asyncio.gather(*tasks, other)
        later = queues.submit("a", work(4))  # room again once the line drained
        await later
        return busy.value.retry_after, len(ran), 99 in ran

    retry_after, ran, refused_ran = run(scenario())
    assert MIN_RETRY_SECONDS <= retry_after <= MAX_RETRY_SECONDS
    assert ran == 5 and not refused_ran


def test_beyond_the_process_backlog_a_new_conversation_is_refused_until_messages_drain():
    async def scenario() -> tuple[bool, int]:
        queues = ConversationQueues(backlog=5, process_backlog=4)
        release = asyncio.Event()
        ran: list[str] = []

        def work(sender: str):
            async def run() -> None:
                await release.wait()
                ran.append(sender)
            return run

        tasks = [queues.submit(f"sender-{n}", work(f"sender-{n}")) for n in range(4)]
        with pytest.raises(Busy):
            queues.submit("newcomer", work("newcomer"))  # each line has room, the process has none
        release.set()
        await asyncio.gather(*tasks)
        await queues.submit("newcomer", work("newcomer-later"))
        return "newcomer" in ran, len(ran)

    refused_ran, ran = run(scenario())
    assert not refused_ran and ran == 5


def test_a_message_taken_is_handled_even_when_its_caller_goes_away():
    async def scenario() -> list[str]:
        queues = ConversationQueues()
        done: list[str] = []

        async def work() -> None:
            await asyncio.sleep(0.01)
            done.append("handled")

        task = queues.submit("a", work)
        waiter = asyncio.ensure_future(asyncio.shield(task))
        await asyncio.sleep(0)
        waiter.cancel()  # the client hung up
        await task
        return done

    assert run(scenario()) == ["handled"]


def test_a_failing_message_does_not_block_the_next():
    async def scenario() -> int:
        queues = ConversationQueues()

        async def fail() -> None:
            raise RuntimeError("boom")

        async def fine() -> int:
            return 1

        first = queues.submit("a", fail)
        second = queues.submit("a", fine)
        with pytest.raises(RuntimeError):
            await first
        return await second

    assert run(scenario()) == 1
