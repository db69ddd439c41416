"""What a handoff is made of: its transcript, its priority and audience, and the context summary.

Shared by the live handoff (handoff.start) and the tickets replayed after an outage
(handoff.outage_replay), so both give the agent the same story.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import redis

from customers.contacts import ContactHistory
from customers.flags import is_flagged
from detection import Reason
from handoff.records import PRIORITY_HIGH, PRIORITY_LEGAL, PRIORITY_NORMAL, PRIORITY_RAISED, Line
from handoff.summary import Summary, SummaryInput, build_summary
from handoff.turns import KB_OUTCOMES, TurnRecord
from kb.service import KnowledgeBase
from protocol.metadata import KB_ANSWER_KEY, written

SUGGESTED_ENTRIES = 3


def transcript(events: Iterable[dict[str, Any]]) -> list[Line]:
    """The customer's and the bot's messages among Rasa tracker events."""
    lines = []
    for event in events:
        # Button and widget payloads ("/greet", "/affirm") are not the customer's words.
        if event.get("event") == "user" and event.get("text") and not event["text"].startswith("/"):
            lines.append(Line("customer", written(event), at=event.get("timestamp") or time.time()))
        elif event.get("event") == "bot" and event.get("text"):
            answer = (event.get("metadata") or {}).get(KB_ANSWER_KEY)  # a KB answer's entry and version
            lines.append(Line("bot", event["text"], at=event.get("timestamp") or time.time(), answer=answer))
    return lines


def priority(reasons: Iterable[Reason], repeat: bool, level: str) -> int:
    """Legal threats first, then high frustration, then repeat contacts and rising frustration."""
    if any(r.kind == "legal" for r in reasons):
        return PRIORITY_LEGAL
    if level == "high":
        return PRIORITY_HIGH
    if repeat or level == "rising":
        return PRIORITY_RAISED
    return PRIORITY_NORMAL


def audience(reasons: Iterable[Reason]) -> str:
    """Who may take the handoff: supervisors for a legal threat, else any agent."""
    return "supervisors" if any(r.kind == "legal" for r in reasons) else "agents"


@dataclass(frozen=True)
class HandoffContext:
    """The parts of a handoff record that come from the conversation and the contact history."""

    summary: Summary
    reasons: list[dict[str, str]]
    priority: int
    repeat_contacts: int  # earlier unresolved contacts within the repeat window
    audience: str  # "supervisors" for legal threats, else "agents"
    flagged: bool  # the customer was flagged for abusive language (customers.flags)


def build_context(
    client: redis.Redis, kb: KnowledgeBase, sender_id: str, customer: dict[str, Any],
    turns: list[TurnRecord], reasons: list[Reason], level: str, repeat_window_days: float,
) -> HandoffContext:
    """The summary (with earlier contacts and the entries likely to help), priority and audience.

    Blocking (Redis, and the KB encodes the issue): call it off the event loop.
    """
    now = time.time()
    since = now - repeat_window_days * 86400
    earlier, possible = ContactHistory(client).earlier_for_staff(customer, since, exclude=sender_id)
    unresolved = [c for c in earlier if c.effective_outcome(now) != "resolved"]
    issue = next((t.text for t in turns if t.outcome in KB_OUTCOMES), turns[-1].text)
    suggested = [h.entry_id for h in kb.ask(issue).hits[:SUGGESTED_ENTRIES]]
    shown = {e for t in turns for e in t.entries} | set(suggested)
    titles = {e.id: (e.title, e.category) for e in map(kb.entry, shown) if e}
    reason_dicts = [{"kind": r.kind, "detail": r.detail, "quote": r.quote} for r in reasons]
    summary = build_summary(SummaryInput(customer, turns, earlier, reason_dicts, titles, suggested, possible))
    return HandoffContext(
        summary=summary, reasons=reason_dicts,
        # A customer who says they asked before is a repeat contact, whether or not one is on record.
        priority=priority(reasons, bool(unresolved) or summary.who.says_asked_before, level),
        repeat_contacts=len(unresolved), audience=audience(reasons),
        flagged=is_flagged(client, customer, sender_id),
    )
