"""A conversation's tracker as Rasa reads and saves it, cut and joined on the JSON alone (stdlib only).

Reading: Rasa rebuilds a tracker by replaying every event of its latest session, and its policies
and the action call then go over all of them, so each turn of a long conversation cost more than
the one before (turns 126-150 of one session 3.5x turns 1-25). A turn now works on the session's
last WINDOW_EVENTS events (`latest_window`), after the events that make up its state from before
(each slot's last value, pause, active loop, resets): the same slots and state, the same
predictions (rules and memoization look a few turns back), the recent transcript for a handoff.

Rasa's Redis tracker store rebuilds the stored tracker on every save (replaying each event
through a tracker, twice) to decide whether the tracker being saved continues it; then, for a
conversation of several sessions (whose trackers Rasa reads as their last session only), it
compares every event with every other. That made a save cost O(n) Python work in the number of
events, and O(n^2) after a session restart. The same decision is made here on the serialised
forms, which `json` parses at C speed; a history that neither of these cases explains is left to
Rasa's own merge (returns None).
"""

from __future__ import annotations

import json
from typing import Any

# Events of its latest session a turn works on: the last 20-30 turns (one is 5-7 events), which
# is also what a handoff's transcript shows of a longer session. Redis keeps the whole history.
WINDOW_EVENTS = 150
SESSION_START = "action_session_start"
# Events that change a tracker's state beyond the turn they are in; for each kind (or slot) the
# last one before the window stands for all, after the last reset.
STATE_EVENTS = {"slot", "pause", "resume", "active_loop"}
HEAD_MAX = 256  # state events a window may start with (one per slot, a few more)
RESETS = {"reset_slots", "restart"}


def latest_window(stored: str, keep: int = WINDOW_EVENTS) -> str:
    """The latest session of `stored` (Rasa's serialised `{"events": [...], "name": ...}`) as a
    turn reads it: whole if it has at most `keep` events, else its state events from before
    (see STATE_EVENTS) and then its events from the first `action_listen` among the last `keep`."""
    dialogue = json.loads(stored)
    events = dialogue.get("events") or []
    begin = _last_session_start(events)
    session = events[begin:]
    cut = _window_start(session, keep)
    if begin == 0 and cut == 0:
        return stored
    return json.dumps({"events": _state_before(session[:cut]) + session[cut:], "name": dialogue.get("name")})


def joined_history(stored: str, saved: str) -> str | None:
    """What to write over `stored` (Redis's copy) when saving `saved` (both Rasa's serialised
    `{"events": [...], "name": ...}`).

    - `saved` continues `stored` (every stored event is there, first and in order): `saved`;
    - `saved` is a tracker read by `latest_window` (or as its latest session, as Rasa reads it),
      continued: a few stored events, then a run of stored events up to the last, then new ones:
      the stored events, then the new ones;
    - otherwise None: the histories diverge, Rasa's merge decides.
    """
    old = _events(stored)
    new_dialogue = json.loads(saved)
    new = new_dialogue.get("events") or []
    if new[:len(old)] == old:
        return saved
    for head, event in enumerate(new[:HEAD_MAX]):
        start = _last_index(old, event)
        if start is None:
            return None  # an event Redis never had, before any run of stored ones
        if new[head:head + len(old) - start] == old[start:]:
            return json.dumps({"events": old + new[head + len(old) - start:], "name": new_dialogue.get("name")})
    return None


def _events(serialised: str) -> list[dict[str, Any]]:
    return json.loads(serialised).get("events") or []


def _last_session_start(events: list[dict[str, Any]]) -> int:
    for index in range(len(events) - 1, -1, -1):
        if events[index].get("event") == "action" and events[index].get("name") == SESSION_START:
            return index
    return 0


def _window_start(session: list[dict[str, Any]], keep: int) -> int:
    """Where the last `keep` events begin, moved on to a turn's start (the bot listening)."""
    if len(session) <= keep:
        return 0
    for index in range(len(session) - keep, len(session)):
        if session[index].get("event") == "action" and session[index].get("name") == "action_listen":
            return index
    return len(session) - keep


def _state_before(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events that leave the state `events` left: the session's start, the last reset, and the
    last state event of each kind (each slot its own), in their order."""
    kept: dict[Any, int] = {}
    for index, event in enumerate(events):
        kind = event.get("event")
        if kind in RESETS:
            kept = {"reset": index}
        elif kind == "slot":
            kept[(kind, event.get("name"))] = index
        elif kind in STATE_EVENTS:
            kept["paused" if kind in ("pause", "resume") else kind] = index
        elif kind == "session_started" or (kind == "action" and event.get("name") == SESSION_START):
            kept[kind] = index
    return [events[index] for index in sorted(kept.values())]


def _last_index(events: list[dict[str, Any]], event: dict[str, Any]) -> int | None:
    # From the end: the session a tracker was read as is the last one.
    for index in range(len(events) - 1, -1, -1):
        if events[index] == event:
            return index
    return None
