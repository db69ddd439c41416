"""A customer turn while Redis (queue, knowledge base, history) is unreachable: the outage step.

The customer is told plainly, and nothing they type is lost: Rasa holds the conversation
(rasa_ext.outage_stores), and what is meant for people goes into the local journal
(handoff.journal). A customer who wants a person, or is too upset or threatening legal action
to wait, gets a ticket reference at once and is asked for their contact details, as when no
agent is online. Messages for an agent and ratings given during the outage are journalled too;
`replay` brings it all into the queue (handoff.outage_replay) and the ratings into the report
once Redis answers again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import redis

from conversation import replies
from conversation.context import Services, TurnInput, TurnResult
from customers.profile import customer_after
from detection import Reason
from handoff import outage_replay
from handoff.journal import Op, OutageJournal, new_reference
from handoff.outage_tickets import PRESSED_REASON, HeldConversation, judge_alone, ticket_data
from handoff.records import Line
from kb.service import KnowledgeBase
from reports.ratings import FeedbackLog

logger = logging.getLogger(__name__)

NO_PERSON_NOW = "our system is having trouble, so I can't pass you to our team right now"


async def keep_for_later(journal: OutageJournal, op: Op, ticket: str, **data: Any) -> bool:
    """Write a journal record off the event loop; False (logged) if even the disk fails."""
    try:
        await asyncio.to_thread(journal.write, op, ticket, **data)
        return True
    except OSError:
        logger.exception("Could not write to the outage journal (%s %s)", op, ticket)
        return False


async def outage_turn(turn: TurnInput, services: Services) -> TurnResult:
    """A customer message while Redis is down: a ticket when they want a person, else say so.

    A customer already waiting in the queue keeps their place: the message joins their handoff.
    """
    text = turn.text
    waiting_on = turn.slot("handoff_ticket") if turn.slot("handoff_state") == "queued" else None
    if waiting_on:
        if not text.startswith("/"):
            await keep_for_later(services.journal, "line", waiting_on, line=Line("customer", text).to_dict())
        return TurnResult(replies.outage_while_queued(waiting_on), {})
    # Only this message can be judged: the conversation's turns are in Redis.
    assessment = judge_alone(held(turn, services))
    if assessment.hand_off or text.startswith("/request_human"):
        reasons = list(assessment.reasons) or [PRESSED_REASON]
        return await take_outage_ticket(turn, services, reasons, assessment.level)
    return TurnResult(replies.kb_unavailable(), {})


def held(turn: TurnInput, services: Services) -> HeldConversation:
    """The conversation as Rasa holds it; the customer read from the message's text as NLU had it."""
    customer = customer_after(
        turn.slot("customer"), turn.latest.get("metadata"), turn.latest.get("text") or "", services.identity_secret,
    )
    return HeldConversation(turn.sender_id, turn.channel, customer, turn.latest, turn.events)


async def take_outage_ticket(turn: TurnInput, services: Services, reasons: list[Reason], level: str) -> TurnResult:
    """Open a ticket in the local journal, give the customer its reference and ask how to reach them."""
    conversation = held(turn, services)
    ticket = new_reference()
    opened = await keep_for_later(services.journal, "open", ticket, **ticket_data(conversation, reasons, level))
    if not opened:
        return TurnResult([{"text": replies.OUTAGE_NO_TICKET}], {})
    slots = {"customer": conversation.customer, "handoff_ticket": ticket, "handoff_state": "collecting_contact"}
    return TurnResult(replies.ticket_taken(ticket, NO_PERSON_NOW), slots, outcome="handoff")


def apply_journal_record(
    client: redis.Redis, kb: KnowledgeBase, record: dict[str, Any], repeat_window_days: float,
) -> None:
    """Replay one journal record (handoff.outage_replay.apply_record); a rating goes to the report."""
    def keep_rating(rating: dict[str, Any]) -> None:
        FeedbackLog(client).record(**rating)

    outage_replay.apply_record(client, kb, record, repeat_window_days, keep_rating)


def replay(services: Services) -> int:
    """Take over what Rasa kept while the action server was down, then replay the journal; 0
    while Redis is down. Blocking: run it in a thread (outage_replay.JournalReplayer)."""
    def apply(record: dict[str, Any]) -> None:
        apply_journal_record(services.redis, services.knowledge_base, record, services.settings.repeat_window_days)

    return outage_replay.replay_journal(services.redis, services.journal, services.identity_secret, apply)
