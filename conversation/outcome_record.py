"""What a recorded turn says about the KB entries it follows: counted per entry (kb.outcomes)."""

from __future__ import annotations

import time
from typing import Any

import redis

from customers.contacts import ContactHistory, verified_identities
from handoff.turns import TurnRecord
from kb.outcomes import EntryOutcomes
from protocol.replies import ANSWER, CLARIFY

HANDOFF_WITHIN_TURNS = 2  # a handoff this many turns after an answer counts against it
REPEAT_WITHIN_SECONDS = 72 * 3600  # a customer back about the same entry within this counts as a repeat
Event = tuple[str, str]  # (kb.outcomes measure, entry id)


def _answered(turn: TurnRecord) -> str:
    """The entry whose answer the turn showed ("" for none)."""
    return turn.entries[-1] if turn.outcome == ANSWER and turn.entries else ""


def turn_events(before: list[TurnRecord], turn: TurnRecord) -> list[Event]:
    """The outcomes `turn` records, given the conversation's turns `before` it."""
    previous = before[-1] if before else None
    events: list[Event] = []
    if entry := _answered(turn):
        events.append(("answered", entry))
        if previous and previous.outcome == CLARIFY and entry in previous.entries:
            events.append(("chosen", entry))
    elif turn.outcome == CLARIFY:
        events += [("offered", entry) for entry in turn.entries]
    # A yes or no is to the answer of the turn right before ("Did that answer your question?").
    if turn.feedback and previous and (entry := _answered(previous)):
        events.append(("helped" if turn.feedback == "yes" else "not_helped", entry))
    if turn.outcome == "handoff":
        recent = (_answered(t) for t in before[-HANDOFF_WITHIN_TURNS:])
        events += [("handoff_after", entry) for entry in dict.fromkeys(recent) if entry]
    return events


def repeat_events(client: redis.Redis, customer: dict[str, Any], sender_id: str,
                  before: list[TurnRecord], turn: TurnRecord, now: float) -> list[Event]:
    """Entries shown for the first time in this conversation that the same customer (a verified
    identity or the browser in common) was shown in a conversation started within 72 hours."""
    if turn.outcome not in (ANSWER, CLARIFY):
        return []
    seen_here = {entry for t in before for entry in t.entries}
    new = [entry for entry in turn.entries if entry not in seen_here]
    identities = verified_identities(customer)
    if not new or not identities:
        return []
    earlier = ContactHistory(client).earlier(identities, now - REPEAT_WITHIN_SECONDS, exclude=sender_id)
    seen_before = {entry for contact in earlier for entry in contact.entries}
    return [("repeat_after", entry) for entry in new if entry in seen_before]


def count_outcomes(client: redis.Redis, customer: dict[str, Any], sender_id: str,
                   before: list[TurnRecord], turn: TurnRecord) -> None:
    """Count what `turn` says about the entries it shows and follows."""
    now = time.time()
    events = turn_events(before, turn) + repeat_events(client, customer, sender_id, before, turn, now)
    EntryOutcomes(client).add(events, now)
