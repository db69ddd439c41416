"""Handing a live conversation to people: into the queue, or as a ticket when no one can take it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis

from customers.contacts import ContactHistory
from detection import Reason
from handoff.context import build_context
from handoff.eta import eta_minutes
from handoff.presence import online_agents
from handoff.queue import HandoffQueue
from handoff.records import Handoff, Line
from handoff.summary_views import for_widget
from handoff.turns import TurnRecord
from infra.settings import Settings
from kb.service import KnowledgeBase

NO_ONE_ONLINE = "no one from our team is online right now"
TOO_BUSY = "our team is very busy right now"


@dataclass(frozen=True)
class Started:
    """What came of asking for a person."""

    handoff: Handoff
    already: bool  # the conversation was already waiting for (or with) a person
    position: int | None  # place in line; None when not waiting
    eta_minutes: int | None
    ticket_because: str  # why it became a ticket; "" when queued
    summary_text: str  # what the agent will read; "" when already waiting


@dataclass(frozen=True)
class Request:
    """A conversation asking for a person, as the handoff record needs it."""

    sender_id: str
    channel: str
    customer: dict[str, Any]
    turns: list[TurnRecord]  # the turns so far, this one (outcome "handoff") last
    reasons: list[Reason]
    level: str
    transcript: list[Line]


def start_handoff(client: redis.Redis, kb: KnowledgeBase, settings: Settings, request: Request) -> Started:
    """Queue the conversation for a person, or take a ticket when no one is online or the queue is full.

    Blocking (Redis, and the summary's suggested entries encode): call it off the event loop.
    """
    queue = HandoffQueue(client)
    agents = len(online_agents(client))

    def eta(position: int) -> int:
        return eta_minutes(position, agents, settings.average_handle_minutes)

    existing = queue.open_for(request.sender_id)
    if existing:
        position = queue.position(existing.ticket)
        return Started(existing, True, position, position and eta(position), "", "")
    built = build_context(
        client, kb, request.sender_id, request.customer, request.turns, request.reasons, request.level,
        settings.repeat_window_days,
    )
    as_ticket = agents == 0 or len(queue.waiting()) >= settings.queue_limit
    handoff = queue.create(
        request.transcript, as_ticket=as_ticket, sender_id=request.sender_id, channel=request.channel,
        customer=request.customer, priority=built.priority, reasons=built.reasons, summary=built.summary,
        audience=built.audience, flagged=built.flagged, repeat_contacts=built.repeat_contacts,
    )
    ContactHistory(client).set_outcome(request.sender_id, "handed_off", handoff.ticket)
    passed_on = for_widget(built.summary)
    if as_ticket:
        return Started(handoff, False, None, None, NO_ONE_ONLINE if agents == 0 else TOO_BUSY, passed_on)
    position = queue.position(handoff.ticket) or 1
    return Started(handoff, False, position, eta(position), "", passed_on)
