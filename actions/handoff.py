"""Handing a conversation to people: the queue, offline tickets and the agent relay."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from redis.exceptions import RedisError

from actions import replies
from actions.customer_turn import Reply, TurnContext
from actions.handoff_context import build_context, is_flagged, transcript
from actions.input_check import written
from actions.kb_answer import ActionKBAnswer
from actions.outage import keep_for_later, take_outage_ticket
from actions.runtime import knowledge_base, redis_client, settings
from detection import Reason
from customers.contacts import ContactHistory
from customers.facts import EMAIL
from handoff.journal import is_journal_ticket
from handoff.presence import online_agents
from handoff.queue import HandoffQueue
from handoff.records import Line
from handoff.turns import TurnRecord
from handoff.eta import eta_minutes

PHONE = re.compile(r"\+?\d[\d\s().-]{6,}\d")


def _eta(position: int, agents: int) -> int:
    return eta_minutes(position, agents, settings().average_handle_minutes)


def _create(tracker: Tracker, context: TurnContext, reasons: list[Reason]) -> tuple[Any, list[replies.Message]]:
    """Everything that touches Redis and the KB, run off the event loop."""
    client = redis_client()
    queue = HandoffQueue(client)
    existing = queue.open_for(context.sender_id)
    agents = len(online_agents(client))
    if existing:
        position = queue.position(existing.ticket)
        return existing, replies.already_queued(existing.ticket, position, position and _eta(position, agents))
    turns = context.turns + [TurnRecord(context.text, context.intent, "handoff", level=context.assessment.level)]
    built = build_context(
        client, knowledge_base(), context.sender_id, context.customer, turns, reasons, context.assessment.level,
    )
    as_ticket = agents == 0 or len(queue.waiting()) >= settings().queue_limit
    handoff = queue.create(
        transcript(tracker.events), as_ticket=as_ticket, sender_id=context.sender_id,
        channel=tracker.get_latest_input_channel() or "", customer=context.customer,
        priority=built.priority, reasons=built.reasons, summary=built.summary, audience=built.audience,
        flagged=is_flagged(client, context.customer, context.sender_id), repeat_contacts=built.repeat_contacts,
    )
    ContactHistory(client).set_outcome(context.sender_id, "handed_off", handoff.ticket)
    if as_ticket:
        why = "no one from our team is online right now" if agents == 0 else "our team is very busy right now"
        return handoff, replies.ticket_taken(handoff.ticket, why)
    position = queue.position(handoff.ticket) or 1
    return handoff, replies.queued(handoff.ticket, position, _eta(position, agents), built.summary["text"])


async def start_handoff(
    dispatcher: CollectingDispatcher, tracker: Tracker, context: TurnContext, extra: Reason | None = None,
) -> Reply:
    """Queue the conversation for a person (or take a ticket) and tell the customer."""
    reasons = list(context.assessment.reasons) + ([extra] if extra else [])
    try:
        handoff, messages = await asyncio.to_thread(_create, tracker, context, reasons)
    except RedisError:  # Redis went down since the turn began: a ticket in the local journal
        events = await take_outage_ticket(dispatcher, tracker, reasons, context.assessment.level)
        return Reply(events, outcome="handoff")
    for message in messages:
        dispatcher.utter_message(**message)
    state = "collecting_contact" if handoff.state == "ticket" else "queued" if handoff.state == "queued" else None
    events: list[EventType] = [SlotSet("handoff_ticket", handoff.ticket)]
    if state:
        events.append(SlotSet("handoff_state", state))
    return Reply(events, outcome="handoff")


class ActionRequestHuman(ActionKBAnswer):
    """Rasa's intent says the customer asked for a person.

    A clear request was already handed off by the judging every turn gets (detection's
    wants_human); a "Talk to a person" button hands off here. Otherwise Rasa's intent alone
    is not trusted: on the Bitext tuning set it also fired on 5% of other requests ("help me
    submit feedback"), so the message is answered from the KB, whose replies offer a person.
    """

    def name(self) -> str:
        return "action_request_human"

    async def respond(self, dispatcher, tracker, domain, context) -> Reply:
        if context.text.strip().startswith("/request_human"):
            reason = Reason("human_request", "asks for a person", "(pressed \"Talk to a person\")")
            return await start_handoff(dispatcher, tracker, context, extra=reason)
        return await super().respond(dispatcher, tracker, domain, context)


class ActionRelayToAgent(Action):
    """While a person has the chat: pass the customer's message to the desk, say nothing."""

    def name(self) -> str:
        return "action_relay_to_agent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        line = Line("customer", written(tracker.latest_message))

        def relay() -> bool:
            queue = HandoffQueue(redis_client())
            handoff = queue.open_for(tracker.sender_id)
            if handoff is None:
                return False
            queue.append(handoff.ticket, line)
            return True

        try:
            relayed = await asyncio.to_thread(relay)
        except RedisError:  # the desk's store is down: keep the message for the agent
            await keep_for_later("line", tracker.get_slot("handoff_ticket") or "", line=line.to_dict())
            for message in replies.outage_relay():
                dispatcher.utter_message(**message)
            return []
        if not relayed:
            # The handoff ended without the slot being cleared: the bot takes the chat again.
            dispatcher.utter_message(text="Sorry, the person you were chatting with has left. How can I help?")
            return [SlotSet("handoff_state", None)]
        return []


class ActionTakeTicket(Action):
    """While taking a ticket: the customer's contact details go onto it."""

    def name(self) -> str:
        return "action_take_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        text = written(tracker.latest_message)
        ticket = tracker.get_slot("handoff_ticket") or ""
        has_contact = bool(EMAIL.search(text) or PHONE.search(text))

        def note() -> bool:
            """Add the details to the ticket; False when it must wait in the journal."""
            queue = HandoffQueue(redis_client())
            handoff = queue.get(ticket)
            if handoff:
                details = f"{handoff.contact_details}\n{text}".strip()
                queue.update(ticket, contact_details=details[:2000])
                queue.append(ticket, Line("customer", text))
            # A ticket taken during an outage reaches Redis when its journal is replayed.
            return handoff is not None or not is_journal_ticket(ticket)

        try:
            noted = await asyncio.to_thread(note)
        except RedisError:
            noted = False
        if not noted:
            await keep_for_later("contact", ticket, text=text)
        if not has_contact:
            for message in replies.contact_missing():
                dispatcher.utter_message(**message)
            return []
        for message in replies.contact_noted(ticket):
            dispatcher.utter_message(**message)
        return [SlotSet("handoff_state", None)]
