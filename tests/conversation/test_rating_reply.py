"""Ratings kept in the real Redis, or in the journal while it is down (reports' test_ratings.py has the name)."""

from __future__ import annotations

from conversation.context import Services
from conversation.rating_reply import store_rating
from handoff.queue import HandoffQueue
from handoff.summary import Summary
from handoff.turns import TurnLog, TurnRecord
from reports.ratings import FeedbackLog
from tests.conversation.turn_fixtures import message, run


def rate(score: object, ticket: str = "", sender: str = "s1") -> object:
    entities = {"score": score, "comment": "thanks", **({"ticket": ticket} if ticket else {})}
    return message("/rate", "rate", sender=sender, entities=entities)


def test_a_rating_of_an_agents_chat_is_kept_with_the_handoff(services: Services) -> None:
    queue = HandoffQueue(services.redis)
    handoff = queue.create([], sender_id="s1", channel="rest", customer={}, priority=0, reasons=[], summary=Summary())
    result = run(store_rating(rate(5, handoff.ticket), services))  # type: ignore[arg-type]
    assert result.messages == [{"text": "Thank you for your feedback! It helps us improve."}]
    rated = queue.get(handoff.ticket)
    assert rated is not None and rated.rating["score"] == 5
    # Only the chat's own customer may rate it.
    other = run(store_rating(rate(1, handoff.ticket, sender="s2"), services))  # type: ignore[arg-type]
    assert other.messages == [{"text": "Sorry, I couldn't find that chat to rate."}]


def test_a_rating_of_the_bot_names_the_questions_asked(services: Services) -> None:
    TurnLog(services.redis).append("s1", TurnRecord("where is my refund", "ask", "answer", ["refund-status"]))
    run(store_rating(rate("4"), services))  # type: ignore[arg-type]
    assert FeedbackLog(services.redis).rated("bot", "s1")


def test_with_redis_down_the_rating_waits_in_the_journal(redis_down: Services) -> None:
    result = run(store_rating(rate(3), redis_down))  # type: ignore[arg-type]
    assert result.messages == [{"text": "Thank you for your feedback! It helps us improve."}]
    [record] = redis_down.journal.records()
    assert record["op"] == "rating" and record["rating"]["score"] == 3
