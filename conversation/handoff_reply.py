"""Handing a conversation to people: the queue or a ticket, and the chat while a person has it."""

from __future__ import annotations

import asyncio
import re

from redis.exceptions import RedisError

from conversation import replies
from conversation.context import Reply, Services, TurnContext, TurnInput, TurnResult
from conversation.kb_reply import answer
from conversation.outage import keep_for_later, take_outage_ticket
from customers.facts import EMAIL
from detection import Reason
from handoff.context import transcript
from handoff.journal import is_journal_ticket
from handoff.queue import HandoffQueue
from handoff.records import Line
from handoff.start import Request, Started
from handoff.start import start_handoff as queue_or_ticket
from handoff.turns import TurnRecord

PHONE = re.compile(r"\+?\d[\d\s().-]{6,}\d")
PRESSED_FOR_PERSON = Reason("human_request", "asks for a person", "(pressed \"Talk to a person\")")
PERSON_LEFT = "Sorry, the person you were chatting with has left. How can I help?"
MAX_CONTACT_CHARS = 2000


def _told(started: Started) -> list[replies.Message]:
    handoff = started.handoff
    if started.already:
        return replies.already_queued(handoff.ticket, started.position, started.eta_minutes)
    if started.ticket_because:
        return replies.ticket_taken(handoff.ticket, started.ticket_because)
    return replies.queued(handoff.ticket, started.position or 1, started.eta_minutes or 0, started.summary_text)


async def start_handoff(context: TurnContext, extra: Reason | None = None) -> Reply:
    """Queue the conversation for a person (or take a ticket) and tell the customer."""
    reasons = list(context.assessment.reasons) + ([extra] if extra else [])
    level = context.assessment.level
    services = context.services
    request = Request(
        context.sender_id, context.input.channel, context.customer,
        context.turns + [TurnRecord(context.text, context.intent, "handoff", level=level)],
        reasons, level, transcript(context.input.events),
    )
    try:
        started = await asyncio.to_thread(
            queue_or_ticket, services.redis, services.knowledge_base, services.settings, request,
        )
    except RedisError:  # Redis went down since the turn began: a ticket in the local journal
        taken = await take_outage_ticket(context.input, services, reasons, level)
        context.say(taken.messages)
        return Reply(dict(taken.slots), outcome="handoff")
    context.say(_told(started))
    state = started.handoff.state
    slots: dict[str, object] = {"handoff_ticket": started.handoff.ticket}
    if state in ("ticket", "queued"):
        slots["handoff_state"] = "collecting_contact" if state == "ticket" else "queued"
    return Reply(slots, outcome="handoff")


async def request_human(context: TurnContext) -> Reply:
    """Rasa's intent says the customer asked for a person.

    A clear request was already handed off by the judging every turn gets (detection's
    wants_human); a "Talk to a person" button hands off here. Otherwise Rasa's intent alone
    is not trusted: on the Bitext tuning set it also fired on 5% of other requests ("help me
    submit feedback"), so the message is answered from the KB, whose replies offer a person.
    """
    if context.text.strip().startswith("/request_human"):
        return await start_handoff(context, extra=PRESSED_FOR_PERSON)
    return await answer(context)


async def relay_to_agent(turn: TurnInput, services: Services) -> TurnResult:
    """While a person has the chat: pass the customer's message to the desk, say nothing."""
    line = Line("customer", turn.text)

    def relay() -> bool:
        queue = HandoffQueue(services.redis)
        handoff = queue.open_for(turn.sender_id)
        if handoff is None:
            return False
        queue.append(handoff.ticket, line)
        return True

    try:
        relayed = await asyncio.to_thread(relay)
    except RedisError:  # the desk's store is down: keep the message for the agent
        await keep_for_later(services.journal, "line", turn.slot("handoff_ticket") or "", line=line.to_dict())
        return TurnResult(replies.outage_relay(), {})
    if not relayed:
        # The handoff ended without the slot being cleared: the bot takes the chat again.
        return TurnResult([{"text": PERSON_LEFT}], {"handoff_state": None})
    return TurnResult([], {})


async def take_contact(turn: TurnInput, services: Services) -> TurnResult:
    """While taking a ticket: the customer's contact details go onto it."""
    text = turn.text
    ticket = turn.slot("handoff_ticket") or ""
    has_contact = bool(EMAIL.search(text) or PHONE.search(text))

    def note() -> bool:
        """Add the details to the ticket; False when it must wait in the journal."""
        queue = HandoffQueue(services.redis)
        handoff = queue.get(ticket)
        if handoff:
            details = f"{handoff.contact_details}\n{text}".strip()
            queue.update(ticket, contact_details=details[:MAX_CONTACT_CHARS])
            queue.append(ticket, Line("customer", text))
        # A ticket taken during an outage reaches Redis when its journal is replayed.
        return handoff is not None or not is_journal_ticket(ticket)

    try:
        noted = await asyncio.to_thread(note)
    except RedisError:
        noted = False
    if not noted:
        await keep_for_later(services.journal, "contact", ticket, text=text)
    if not has_contact:
        return TurnResult(replies.contact_missing(), {})
    return TurnResult(replies.contact_noted(ticket), {"handoff_state": None})
