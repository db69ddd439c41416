"""Asking for a rating at the end of a chat with the bot, and keeping every rating customers give.

A chat with a person is rated when the agent resolves it (the desk asks); a chat with the bot
alone is rated when the customer says goodbye, if it was about at least one question. The widget
shows the same 1-5 stars form for both and sends `/rate{"score": 4, "comment": "..."}`, with the
ticket of the chat with a person it rates (`"ticket": "T000123"`).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from redis.exceptions import RedisError

from actions.customer_turn import TurnContext
from actions.outage import keep_for_later
from actions.runtime import redis_client
from reports.ratings import MAX_COMMENT_CHARS, FeedbackLog
from handoff.queue import HandoffQueue
from protocol.widget import RATING_REQUEST as RATING_REQUEST_TYPE
from handoff.turns import KB_OUTCOMES, TurnLog, TurnRecord

RATING_REQUEST = {"json_message": {"data": {"type": RATING_REQUEST_TYPE, "ticket": ""}}}


def asks_for_rating(context: TurnContext) -> bool:
    """At goodbye: a chat with the bot alone, about at least one question, not rated yet."""
    outcomes = {turn.outcome for turn in context.turns}
    if "handoff" in outcomes or not outcomes & KB_OUTCOMES:
        return False  # a chat with a person is rated when it is resolved
    return not FeedbackLog(redis_client()).rated("bot", context.sender_id)


def _bot_rating(sender_id: str, score: int, comment: str) -> dict[str, Any]:
    """A rating of a chat with the bot, with the questions asked and the entries shown."""
    turns: list[TurnRecord] = TurnLog(redis_client()).all(sender_id)
    asked = [t for t in turns if t.outcome in KB_OUTCOMES and not t.text.startswith("/")]
    shown = list(dict.fromkeys(entry for t in turns for entry in t.entries))
    return {"kind": "bot", "chat": sender_id, "score": score, "comment": comment,
            "questions": [t.text for t in asked], "entries": shown}


class ActionStoreRating(Action):
    """The customer's 1-5 rating (and comment): of the chat with a person the form names, else of the bot."""

    def name(self) -> str:
        return "action_store_rating"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        score = next(tracker.get_latest_entity_values("score"), None)
        comment = str(next(tracker.get_latest_entity_values("comment"), "") or "")[:MAX_COMMENT_CHARS]
        ticket = str(next(tracker.get_latest_entity_values("ticket"), "") or "")
        try:
            value = int(score)
        except (TypeError, ValueError):
            value = 0
        if not 1 <= value <= 5:
            dispatcher.utter_message(text="Sorry, I couldn't read that rating. Please choose 1 to 5 stars.")
            return []
        if ticket and not await self._rate_agent(tracker.sender_id, ticket, value, comment):
            dispatcher.utter_message(text="Sorry, I couldn't find that chat to rate.")
            return []
        if not ticket:
            await self._rate_bot(tracker.sender_id, value, comment)
        dispatcher.utter_message(text="Thank you for your feedback! It helps us improve.")
        return []

    @staticmethod
    async def _rate_agent(sender_id: str, ticket: str, score: int, comment: str) -> bool:
        """Keep the rating with the handoff and in the report; False if the ticket is not this chat's."""
        rating = {"score": score, "comment": comment, "at": time.time()}
        feedback = {"kind": "agent", "chat": ticket, "score": score, "comment": comment, "ticket": ticket}

        def work() -> bool:
            queue = HandoffQueue(redis_client())
            handoff = queue.get(ticket)
            if handoff is None or handoff.sender_id != sender_id:
                return False  # only the customer of a chat may rate it
            queue.update(ticket, rating=rating)
            FeedbackLog(redis_client()).record(**feedback, agent=handoff.agent)
            return True

        try:
            return await asyncio.to_thread(work)
        except RedisError:
            # Kept on disk and replayed when Redis is back: a customer's rating is not dropped.
            await keep_for_later("update", ticket, fields={"rating": rating})
            await keep_for_later("rating", ticket, rating=feedback)
            return True

    @staticmethod
    async def _rate_bot(sender_id: str, score: int, comment: str) -> None:
        def work() -> None:
            FeedbackLog(redis_client()).record(**_bot_rating(sender_id, score, comment))

        try:
            await asyncio.to_thread(work)
        except RedisError:
            await keep_for_later("rating", "", rating={"kind": "bot", "chat": sender_id, "score": score, "comment": comment})
