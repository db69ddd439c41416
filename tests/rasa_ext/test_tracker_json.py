"""The tracker store's save joins Redis's history with the saved tracker on the JSON alone."""

from __future__ import annotations

import json
from typing import Any

from rasa_ext.tracker_json import joined_history, latest_window


def session_start(at: float) -> list[dict[str, Any]]:
    return [{"event": "action", "name": "action_session_start", "timestamp": at},
            {"event": "session_started", "timestamp": at + 0.1}]


def turn(at: float, text: str = "hello") -> list[dict[str, Any]]:
    return [{"event": "user", "text": text, "timestamp": at, "parse_data": {"intent": {"name": "greet"}}},
            {"event": "action", "name": "action_greet", "timestamp": at + 0.1},
            {"event": "bot", "text": "Hi!", "timestamp": at + 0.2, "data": {"buttons": []}},
            {"event": "action", "name": "action_listen", "timestamp": at + 0.3}]


def dialogue(events: list[dict[str, Any]]) -> str:
    return json.dumps({"events": events, "name": "c1"})


def test_a_tracker_that_continues_the_stored_history_is_written_as_it_is() -> None:
    stored = session_start(1) + turn(2)
    saved = dialogue(stored + turn(3))
    assert joined_history(dialogue(stored), saved) == saved


def test_a_tracker_read_as_its_last_session_goes_after_the_earlier_sessions() -> None:
    earlier = session_start(1) + turn(2) + turn(3)
    last = session_start(5000) + turn(5001)
    joined = joined_history(dialogue(earlier + last), dialogue(last + turn(5002)))
    assert joined is not None
    assert json.loads(joined) == {"events": earlier + last + turn(5002), "name": "c1"}


def test_diverging_histories_are_left_to_rasas_merge() -> None:
    stored = session_start(1) + turn(2) + turn(3, "written by another process")
    assert joined_history(dialogue(stored), dialogue(session_start(1) + turn(2) + turn(4))) is None
    # A tracker that lacks events Redis has at the end of its session is not a continuation either.
    assert joined_history(dialogue(stored), dialogue(session_start(1) + turn(2))) is None


def test_a_save_over_an_empty_stored_history_is_written_as_it_is() -> None:
    saved = dialogue(session_start(1) + turn(2))
    assert joined_history(dialogue([]), saved) == saved


def slot(at: float, name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "name": name, "value": value, "timestamp": at}


def long_session(turns: int) -> list[dict[str, Any]]:
    """A session that set its slots early, was paused by a handoff, then went on for `turns` turns."""
    events = session_start(1) + [slot(1.2, "customer_name", "Ada"), slot(1.3, "handoff_state", None)]
    events += turn(2) + [slot(2.5, "handoff_state", "with_agent"), {"event": "pause", "timestamp": 2.6}]
    events += [slot(2.7, "handoff_ticket", "T-1")]
    for n in range(turns):
        events += turn(10 + n)
    return events


def test_a_turn_reads_a_long_session_as_its_state_and_its_last_events() -> None:
    earlier_session = session_start(0) + turn(0.5, "from yesterday")
    events = earlier_session + long_session(100)
    window = json.loads(latest_window(dialogue(events), keep=40))["events"]
    assert len(window) <= 40 + 8
    # The state from before the window: session start, each slot's last value, the pause.
    assert window[:6] == [*session_start(1), slot(1.2, "customer_name", "Ada"),
                          slot(2.5, "handoff_state", "with_agent"), {"event": "pause", "timestamp": 2.6},
                          slot(2.7, "handoff_ticket", "T-1")]
    # Then whole turns, from the bot listening, up to the last event.
    assert window[6]["name"] == "action_listen" and window[7]["event"] == "user"
    assert window[6:] == events[-len(window[6:]):]


def test_a_short_session_is_read_whole_and_an_earlier_session_not_at_all() -> None:
    events = session_start(1) + turn(2)
    assert latest_window(dialogue(events)) == dialogue(events)
    assert json.loads(latest_window(dialogue(turn(0) + events)))["events"] == events


def test_a_window_saved_after_a_turn_goes_after_the_whole_stored_history() -> None:
    stored = session_start(0) + turn(0.5) + long_session(100)
    read = json.loads(latest_window(dialogue(stored), keep=40))["events"]
    joined = joined_history(dialogue(stored), dialogue(read + turn(500)))
    assert joined is not None
    assert json.loads(joined)["events"] == stored + turn(500)


def test_a_window_whose_turns_redis_no_longer_ends_with_is_left_to_rasas_merge() -> None:
    stored = long_session(100)
    read = json.loads(latest_window(dialogue(stored), keep=40))["events"]
    rewritten = dialogue(stored[:-2] + turn(400))
    assert joined_history(rewritten, dialogue(read + turn(500))) is None
