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

from redis.exceptions import RedisError

from conversation.context import Services, TurnContext, TurnInput, TurnResult
from conversation.outage import keep_for_later
from handoff.queue import HandoffQueue
from handoff.turns import KB_OUTCOMES, TurnLog, TurnRecord
from reports.ratings import MAX_COMMENT_CHARS, FeedbackLog

UNREADABLE = "Sorry, I couldn't read that rating. Please choose 1 to 5 stars."
NOT_THIS_CHAT = "Sorry, I couldn't find that chat to rate."
THANKS = "Thank you for your feedback! It helps us improve."


def asks_for_rating(context: TurnContext) -> bool:
    """At goodbye: a chat with the bot alone, about at least one question, not rated yet."""
    outcomes = {turn.outcome for turn in context.turns}
    if "handoff" in outcomes or not outcomes & KB_OUTCOMES:
        return False  # a chat with a person is rated when it is resolved
    return not FeedbackLog(context.services.redis).rated("bot", context.sender_id)


def _bot_rating(services: Services, sender_id: str, score: int, comment: str) -> dict[str, Any]:
    """A rating of a chat with the bot, with the questions asked and the entries shown."""
    turns: list[TurnRecord] = TurnLog(services.redis).all(sender_id)
    asked = [t for t in turns if t.outcome in KB_OUTCOMES and not t.text.startswith("/")]
    shown = list(dict.fromkeys(entry for t in turns for entry in t.entries))
    return {"kind": "bot", "chat": sender_id, "score": score, "comment": comment,
            "questions": [t.text for t in asked], "entries": shown}


async def store_rating(turn: TurnInput, services: Services) -> TurnResult:
    """The customer's 1-5 rating (and comment): of the chat with a person the form names, else of the bot."""
    score = turn.entity("score")
    comment = str(turn.entity("comment") or "")[:MAX_COMMENT_CHARS]
    ticket = str(turn.entity("ticket") or "")
    try:
        value = int(score)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        return TurnResult([{"text": UNREADABLE}], {})
    if ticket and not await _rate_agent(services, turn.sender_id, ticket, value, comment):
        return TurnResult([{"text": NOT_THIS_CHAT}], {})
    if not ticket:
        await _rate_bot(services, turn.sender_id, value, comment)
    return TurnResult([{"text": THANKS}], {})


async def _rate_agent(services: Services, sender_id: str, ticket: str, score: int, comment: str) -> bool:
    """Keep the rating with the handoff and in the report; False if the ticket is not this chat's."""
    rating = {"score": score, "comment": comment, "at": time.time()}
    feedback: dict[str, Any] = {"kind": "agent", "chat": ticket, "score": score, "comment": comment, "ticket": ticket}

    def work() -> bool:
        queue = HandoffQueue(services.redis)
        handoff = queue.get(ticket)
        if handoff is None or handoff.sender_id != sender_id:
            return False  # only the customer of a chat may rate it
        queue.update(ticket, rating=rating)
        FeedbackLog(services.redis).record(**feedback, agent=handoff.agent)
        return True

    try:
        return await asyncio.to_thread(work)
    except RedisError:
        # Kept on disk and replayed when Redis is back: a customer's rating is not dropped.
        await keep_for_later(services.journal, "update", ticket, fields={"rating": rating})
        await keep_for_later(services.journal, "rating", ticket, rating=feedback)
        return True


async def _rate_bot(services: Services, sender_id: str, score: int, comment: str) -> None:
    def work() -> None:
        FeedbackLog(services.redis).record(**_bot_rating(services, sender_id, score, comment))

    try:
        await asyncio.to_thread(work)
    except RedisError:
        rating = {"kind": "bot", "chat": sender_id, "score": score, "comment": comment}
        await keep_for_later(services.journal, "rating", "", rating=rating)
