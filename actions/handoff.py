"""Handing a conversation to people: the queue, offline tickets, the agent relay and ratings."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from redis.exceptions import RedisError

from actions import replies
from actions.customer_turn import Reply, TurnContext
from actions.kb_answer import ActionKBAnswer
from actions.runtime import knowledge_base, redis_client, settings
from detection import Reason
from handoff.contacts import ContactHistory, identities
from handoff.facts import EMAIL
from handoff.presence import online_agents
from handoff.queue import HandoffQueue
from handoff.records import (
    PRIORITY_HIGH, PRIORITY_LEGAL, PRIORITY_NORMAL, PRIORITY_RAISED, Line,
)
from handoff.summary import SummaryInput, build_summary
from handoff.turns import TurnRecord
from handoff.wait import eta_minutes

PHONE = re.compile(r"\+?\d[\d\s().-]{6,}\d")
FLAG_SECONDS = 90 * 24 * 3600


def flag_customer(context: TurnContext, why: str) -> None:
    """Mark every identity of the customer as flagged, so the next agent is prepared."""
    client = redis_client()
    for key in identities(context.customer) or [f"sender:{context.sender_id}"]:
        client.set(f"flagged:{key}", why, ex=FLAG_SECONDS)


def is_flagged(context: TurnContext) -> bool:
    client = redis_client()
    keys = identities(context.customer) + [f"sender:{context.sender_id}"]
    return any(client.exists(f"flagged:{key}") for key in keys)


def _eta(position: int, agents: int) -> int:
    return eta_minutes(position, agents, settings().average_handle_minutes)


def _transcript(tracker: Tracker) -> list[Line]:
    lines = []
    for event in tracker.events:
        # Button and widget payloads ("/greet", "/affirm") are not the customer's words.
        if event.get("event") == "user" and event.get("text") and not event["text"].startswith("/"):
            lines.append(Line("customer", event["text"], at=event.get("timestamp") or time.time()))
        elif event.get("event") == "bot" and event.get("text"):
            lines.append(Line("bot", event["text"], at=event.get("timestamp") or time.time()))
    return lines


def _priority(reasons: list[Reason], repeat: bool, level: str) -> int:
    if any(r.kind == "legal" for r in reasons):
        return PRIORITY_LEGAL
    if level == "high":
        return PRIORITY_HIGH
    if repeat or level == "rising":
        return PRIORITY_RAISED
    return PRIORITY_NORMAL


def _create(tracker: Tracker, context: TurnContext, reasons: list[Reason]) -> tuple[Any, list[replies.Message]]:
    """Everything that touches Redis and the KB, run off the event loop."""
    client = redis_client()
    queue = HandoffQueue(client)
    existing = queue.open_for(context.sender_id)
    agents = len(online_agents(client))
    if existing:
        position = queue.position(existing.ticket)
        return existing, replies.already_queued(existing.ticket, position, position and _eta(position, agents))
    current = settings()
    since = time.time() - current.repeat_window_days * 86400
    earlier = ContactHistory(client).earlier(identities(context.customer), since, exclude=context.sender_id)
    unresolved = [c for c in earlier if c.effective_outcome(time.time()) != "resolved"]
    turns = context.turns + [TurnRecord(context.text, context.intent, "handoff", level=context.assessment.level)]
    kb = knowledge_base()
    issue = next((t.text for t in turns if t.outcome in ("answer", "clarify", "dont_know")), context.text)
    suggested = [h.entry_id for h in kb.ask(issue).hits[:3]]
    shown = {e for t in turns for e in t.entries} | set(suggested)
    titles = {e.id: (e.title, e.category) for e in map(kb.entry, shown) if e}
    reason_dicts = [{"kind": r.kind, "detail": r.detail, "quote": r.quote} for r in reasons]
    summary = build_summary(SummaryInput(context.customer, turns, earlier, reason_dicts, titles, suggested))
    waiting = len(queue.waiting())
    as_ticket = agents == 0 or waiting >= current.queue_limit
    legal = any(r.kind == "legal" for r in reasons)
    handoff = queue.create(
        _transcript(tracker), as_ticket=as_ticket, sender_id=context.sender_id,
        channel=tracker.get_latest_input_channel() or "", customer=context.customer,
        priority=_priority(reasons, bool(unresolved), context.assessment.level), reasons=reason_dicts,
        summary=summary, audience="supervisors" if legal else "agents",
        flagged=is_flagged(context), repeat_contacts=len(unresolved),
    )
    ContactHistory(client).set_outcome(context.sender_id, "handed_off", handoff.ticket)
    if as_ticket:
        why = "no one from our team is online right now" if agents == 0 else "our team is very busy right now"
        return handoff, replies.ticket_taken(handoff.ticket, why)
    position = queue.position(handoff.ticket) or 1
    return handoff, replies.queued(handoff.ticket, position, _eta(position, agents), summary["text"])


async def start_handoff(
    dispatcher: CollectingDispatcher, tracker: Tracker, context: TurnContext, extra: Reason | None = None,
) -> Reply:
    """Queue the conversation for a person (or take a ticket) and tell the customer."""
    reasons = list(context.assessment.reasons) + ([extra] if extra else [])
    try:
        handoff, messages = await asyncio.to_thread(_create, tracker, context, reasons)
    except RedisError:
        for message in replies.kb_unavailable():
            dispatcher.utter_message(**message)
        return Reply(outcome="handoff")
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
        text = tracker.latest_message.get("text") or ""

        def relay() -> bool:
            queue = HandoffQueue(redis_client())
            handoff = queue.open_for(tracker.sender_id)
            if handoff is None:
                return False
            queue.append(handoff.ticket, Line("customer", text))
            return True

        if not await asyncio.to_thread(relay):
            # The handoff ended without the slot being cleared: the bot takes the chat again.
            dispatcher.utter_message(text="Sorry, the person you were chatting with has left. How can I help?")
            return [SlotSet("handoff_state", None)]
        return []


class ActionTakeTicket(Action):
    """While taking a ticket: the customer's contact details go onto it."""

    def name(self) -> str:
        return "action_take_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        ticket = tracker.get_slot("handoff_ticket") or ""
        has_contact = bool(EMAIL.search(text) or PHONE.search(text))

        def note() -> None:
            queue = HandoffQueue(redis_client())
            handoff = queue.get(ticket)
            if handoff:
                details = f"{handoff.contact_details}\n{text}".strip()
                queue.update(ticket, contact_details=details[:2000])
                queue.append(ticket, Line("customer", text))

        await asyncio.to_thread(note)
        if not has_contact:
            for message in replies.contact_missing():
                dispatcher.utter_message(**message)
            return []
        for message in replies.contact_noted(ticket):
            dispatcher.utter_message(**message)
        return [SlotSet("handoff_state", None)]


class ActionStoreRating(Action):
    """The customer's 1-5 rating (and comment) after a chat with a person, stored with the handoff."""

    def name(self) -> str:
        return "action_store_rating"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        score = next(tracker.get_latest_entity_values("score"), None)
        comment = str(next(tracker.get_latest_entity_values("comment"), "") or "")[:2000]
        ticket = tracker.get_slot("handoff_ticket")
        try:
            value = int(score)
        except (TypeError, ValueError):
            value = 0
        if not ticket or not 1 <= value <= 5:
            dispatcher.utter_message(text="Sorry, I couldn't read that rating. Please choose 1 to 5 stars.")
            return []
        await asyncio.to_thread(
            HandoffQueue(redis_client()).update, ticket, rating={"score": value, "comment": comment, "at": time.time()}
        )
        dispatcher.utter_message(text="Thank you for your feedback! It helps us improve.")
        return []
