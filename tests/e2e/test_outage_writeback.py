"""Nothing held during a Redis outage is lost (rasa_ext/outage_stores.py, rasa_ext/held_journal.py).

The trackers are read straight from Redis, never through Rasa: a read through Rasa would itself
write back what Rasa holds, which is what these tests must show happens without any message.
One Rasa restart in all (it costs about a minute of CPU): a `kill -9` during the outage, the
harshest stop; a clean stop after the outage has nothing left to lose once the first test holds.
"""

from __future__ import annotations

import json
import os
import signal
from contextlib import contextmanager
from typing import Iterator

from privacy.erasure import TRACKER_PREFIX
from tests.e2e.running import RunningStack
from bench.clients import Customer
from tests.support import texts, wait_for

SAVED = "Your message is saved"


def stored_texts(stack: RunningStack, sender: str) -> list[str]:
    """What the customer said, as the tracker in Redis has it."""
    stored = stack.redis().get(TRACKER_PREFIX + sender)
    events = json.loads(stored)["events"] if stored else []
    return [event["text"] for event in events if event["event"] == "user"]


def session_starts(stack: RunningStack, sender: str) -> int:
    events = json.loads(stack.redis().get(TRACKER_PREFIX + sender))["events"]
    return [event["event"] for event in events].count("session_started")


def restart_rasa_killed(stack: RunningStack) -> None:
    """`kill -9` the Rasa server and wait until supervisord has it up again."""
    killed = stack.pid("rasa")
    os.kill(killed, signal.SIGKILL)
    wait_for(lambda: stack.pid("rasa") not in (0, killed), "Rasa restarted by supervisord", timeout=30)
    stack.wait_until_up("rasa", f"{stack.rasa_url}/", timeout=300)


@contextmanager
def redis_down(redis_server) -> Iterator[None]:
    redis_server.stop()
    try:
        yield
    finally:
        redis_server.start()


def say_during_outage(customer: Customer, *said: str) -> None:
    for text in said:
        assert SAVED in texts(customer.say(text))


def test_held_messages_are_in_redis_seconds_after_it_is_back_without_a_new_message(
    running_stack: RunningStack, redis_server,
):
    customer = Customer(running_stack.rasa_url)
    said = ["How long does a refund take?", "Where is my parcel MM-60001?", "It was due last Monday"]
    customer.say(said[0])
    with redis_down(redis_server):
        say_during_outage(customer, *said[1:])
    wait_for(lambda: stored_texts(running_stack, customer.sender) == said, "written back", timeout=3)
    assert session_starts(running_stack, customer.sender) == 1  # one conversation, its slots kept


def test_a_rasa_killed_during_the_outage_loses_nothing_it_answered(running_stack: RunningStack, redis_server):
    customer = Customer(running_stack.rasa_url)
    said = ["How long does a refund take?", "Where is my parcel MM-60002?", "It was due last Friday"]
    customer.say(said[0])
    with redis_down(redis_server):
        say_during_outage(customer, *said[1:])
        # Killed with both held; it comes back while Redis is still down.
        restart_rasa_killed(running_stack)
    # Replayed from the killed process's journal once Redis answers, with no message sent.
    wait_for(lambda: stored_texts(running_stack, customer.sender) == said, "replayed from the journal", timeout=5)
    assert session_starts(running_stack, customer.sender) == 1
    assert list((running_stack.settings.data_dir / "rasa-held").glob("*.jsonl")) == []
    # The conversation goes on where it was.
    customer.say("Thanks")
    assert stored_texts(running_stack, customer.sender) == [*said, "Thanks"]
