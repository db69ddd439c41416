"""The base of every action that answers a customer message.

Before the action's own reply, each message is judged with the whole conversation so far:
abuse gets one polite, firm request to stop and then the end of the chat; a request for a
person, a legal threat or high frustration hands off at once; rising frustration is
acknowledged with one apology and a restatement before the reply.
"""

from __future__ import annotations

import abc
import asyncio
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from redis.exceptions import RedisError

from actions import replies
from actions.customer import customer_from
from actions.handoff_context import flag_customer
from actions.outage import outage_turn
from actions.input_check import CheckedText, check_text, written
from actions.notices import tell_notices
from actions.runtime import redis_client, settings
from detection import Assessment, Turn, assess
from customers.contacts import ContactHistory, identities
from handoff.queue import HandoffQueue
from handoff.records import Line
from handoff.summary import add_to_summary
from handoff.turns import CHIT_CHAT, KB_OUTCOMES, TurnLog, TurnRecord

FEEDBACK = {"affirm": "yes", "deny": "no"}


@dataclass
class Reply:
    """What an action did with a message: its events and how the KB fared."""

    events: list[EventType] = field(default_factory=list)
    outcome: str = ""  # "answer" | "clarify" | "dont_know" | "handoff" | ""
    entries: list[str] = field(default_factory=list)


@dataclass
class TurnContext:
    """The conversation so far, as the judging and the reply need it."""

    sender_id: str
    text: str
    intent: str
    customer: dict[str, Any]
    turns: list[TurnRecord]
    assessment: Assessment
    checked: CheckedText  # the text cleaned for searching, or why it can't be


def _load(tracker: Tracker) -> TurnContext:
    text = written(tracker.latest_message)
    intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
    turns = TurnLog(redis_client()).all(tracker.sender_id)
    history = [Turn(t.text, t.intent, t.outcome, t.feedback) for t in turns]
    history.append(Turn(text, intent, "", FEEDBACK.get(intent, "")))
    checked = check_text(text, settings().max_message_chars)
    return TurnContext(tracker.sender_id, text, intent, customer_from(tracker, text), turns, assess(history), checked)


def _record(context: TurnContext, reply: Reply, dispatcher: CollectingDispatcher) -> None:
    client = redis_client()
    TurnLog(client).append(context.sender_id, TurnRecord(
        text=context.text, intent=context.intent, outcome=reply.outcome, entries=reply.entries,
        feedback=FEEDBACK.get(context.intent, ""), level=context.assessment.level,
    ))
    topic = context.text if reply.outcome in KB_OUTCOMES else ""
    ContactHistory(client).touch(
        context.sender_id, identities(context.customer), reply.entries, context.intent, topic,
    )
    # While waiting for a person, the exchanges with the bot join the handoff's transcript, and
    # what the customer says beyond a question for the bot joins the summary the agent reads.
    queue = HandoffQueue(client)
    handoff = queue.open_for(context.sender_id)
    if handoff and reply.outcome != "handoff":
        queue.append(handoff.ticket, Line("customer", context.text))
        if reply.outcome in ("dont_know", "clarify", "") and context.intent not in CHIT_CHAT and not context.text.startswith("/"):
            queue.update(handoff.ticket, summary=add_to_summary(handoff.summary, context.text))
        for message in dispatcher.messages:
            if message.get("text"):
                queue.append(handoff.ticket, Line("bot", message["text"]))


class CustomerTurnAction(Action, abc.ABC):
    """Judge the message, escalate when needed, else let the subclass reply; record the turn."""

    @abc.abstractmethod
    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any], context: TurnContext,
    ) -> Reply:
        """The action's own reply to a message that needs no escalation."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        try:
            context = await asyncio.to_thread(_load, tracker)
        except RedisError:
            return await outage_turn(dispatcher, tracker)
        reply = self._refuse_input(dispatcher, context) or await self._escalate(dispatcher, tracker, domain, context)
        if reply is None:
            reply = await self.respond(dispatcher, tracker, domain, context)
        if reply.outcome != "ended":
            await tell_notices(dispatcher, context.sender_id, reply.entries)
        try:
            await asyncio.to_thread(_record, context, reply, dispatcher)
        except RedisError:
            pass  # the reply still goes out; the tracker (Rasa) keeps the message itself
        return [SlotSet("customer", context.customer), *reply.events]

    @staticmethod
    def _refuse_input(dispatcher: CollectingDispatcher, context: TurnContext) -> Reply | None:
        """Empty, unreadable, too long or non-Latin text gets a plain reply, whatever Rasa guessed."""
        problem = context.checked.problem
        if problem is None or context.text.startswith("/"):  # button payloads are always fine
            return None
        for message in replies.input_problem(problem, settings().max_message_chars):
            dispatcher.utter_message(**message)
        return Reply()

    async def _escalate(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any], context: TurnContext,
    ) -> Reply | None:
        from actions.handoff import start_handoff

        assessment = context.assessment
        if assessment.abusive:
            await asyncio.to_thread(
                flag_customer, redis_client(), context.customer, context.sender_id, "abusive language",
            )
            if not tracker.get_slot("abuse_warned"):
                dispatcher.utter_message(text=replies.ABUSE_WARNING)
                return Reply([SlotSet("abuse_warned", True)])
            dispatcher.utter_message(text=replies.ABUSE_END)
            return Reply([ConversationPaused()], outcome="ended")
        if assessment.hand_off:
            return await start_handoff(dispatcher, tracker, context)
        if assessment.level == "rising" and not tracker.get_slot("apologised"):
            dispatcher.utter_message(**replies.acknowledge(_restated(context)))
            reply = await self.respond(dispatcher, tracker, domain, context)
            reply.events.append(SlotSet("apologised", True))
            return reply
        return None


def _restated(context: TurnContext) -> str:
    """The customer's problem in their own words: the first real question, else this message."""
    for turn in context.turns:
        if turn.outcome in KB_OUTCOMES:
            return turn.text
    return context.text
