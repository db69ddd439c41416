"""A conversation longer than the window a turn reads (rasa_ext/tracker_json.py) keeps its whole
history in Redis, in order, each event once, and goes on answering."""

from __future__ import annotations

import json

from bench.clients import Customer
from privacy.erasure import TRACKER_PREFIX
from rasa_ext.tracker_json import WINDOW_EVENTS
from tests.e2e.running import RunningStack


def test_a_conversation_longer_than_a_turns_window_keeps_its_whole_history(running_stack: RunningStack) -> None:
    customer = Customer(running_stack.rasa_url)
    said = [f"hello number {n}" for n in range(36)]
    for text in said:
        assert customer.say(text), f"no reply to {text!r}"
    events = json.loads(running_stack.redis().get(TRACKER_PREFIX + customer.sender))["events"]
    assert len(events) > WINDOW_EVENTS  # the later turns were read as a window
    assert [e["text"] for e in events if e["event"] == "user"] == said
    assert len({json.dumps(e, sort_keys=True) for e in events}) == len(events)  # nothing written twice
    stamps = [e["timestamp"] for e in events]
    assert stamps == sorted(stamps)
    assert sum(e["event"] == "session_started" for e in events) == 1
