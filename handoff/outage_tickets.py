"""Tickets taken while Redis (the queue, the turn log) is unreachable: who, why and the conversation.

Only the message at hand can be judged then (the conversation's turns are in Redis), and what Rasa
holds of the conversation becomes the ticket's transcript and turns. The journal's "open" record
(handoff.journal) carries it all until handoff.outage_replay opens the ticket in the queue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from detection import Assessment, Reason, Turn, assess
from handoff.context import transcript
from handoff.turns import CHIT_CHAT, TurnRecord
from protocol.metadata import intent_name, written
from protocol.replies import DONT_KNOW

OUTAGE_DETAIL = "taken while our systems were down"
PRESSED_REASON = Reason("human_request", "asks for a person", "(pressed \"Leave a message for our team\")")
ASKED_REASON = Reason("human_request", "asks for a person", "(asked while our action server was down)")


@dataclass(frozen=True)
class HeldConversation:
    """The conversation as Rasa holds it (its tracker), with the customer after its latest message."""

    sender_id: str
    channel: str
    customer: dict[str, Any]
    latest: Mapping[str, Any]  # the latest user message (text, intent, metadata)
    events: list[dict[str, Any]]

    @property
    def text(self) -> str:
        """What the customer wrote last, uncut."""
        return written(self.latest)

    @property
    def intent(self) -> str:
        return intent_name(self.latest)


def judge_alone(conversation: HeldConversation) -> Assessment:
    """The latest message judged on its own: the turns before it are out of reach."""
    return assess([Turn(conversation.text, conversation.intent)])


def ticket_data(conversation: HeldConversation, reasons: list[Reason], level: str) -> dict[str, Any]:
    """A journal "open" record's data: who, why, and the whole conversation Rasa holds."""
    text = conversation.text
    outage = Reason("outage", OUTAGE_DETAIL, "" if text.startswith("/") else text)
    return dict(
        sender_id=conversation.sender_id, channel=conversation.channel,
        customer=conversation.customer, level=level, reasons=[asdict(r) for r in [*reasons, outage]],
        turns=[asdict(t) for t in held_turns(conversation.events)],
        lines=[line.to_dict() for line in transcript(conversation.events)],
    )


def held_turns(events: list[dict[str, Any]]) -> list[TurnRecord]:
    """The customer's messages Rasa holds, as turns the bot could not answer (the last hands off)."""
    said = [e for e in events if e.get("event") == "user" and e.get("text")]
    turns = []
    for index, event in enumerate(said):
        intent = (event.get("parse_data") or {}).get("intent", {}).get("name") or ""
        if index == len(said) - 1:
            outcome = "handoff"
        else:
            outcome = "" if intent in CHIT_CHAT or event["text"].startswith("/") else DONT_KNOW
        turns.append(TurnRecord(written(event), intent, outcome, at=event.get("timestamp") or 0.0))
    return turns


def latest_input_channel(events: list[dict[str, Any]]) -> str:
    """The channel of the latest user message among tracker events (as rasa-sdk's Tracker finds it)."""
    for event in reversed(events):
        if event.get("event") == "user":
            return str(event.get("input_channel") or "")
    return ""
