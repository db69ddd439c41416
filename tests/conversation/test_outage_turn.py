"""A customer turn while Redis is unreachable (the outage step)."""

from __future__ import annotations

from conversation.context import Services
from conversation.outage import outage_turn
from tests.conversation.turn_fixtures import message, run


def test_a_question_is_told_the_help_centre_is_out_of_reach(redis_down: Services) -> None:
    result = run(outage_turn(message("where is my refund?", "ask"), redis_down))
    assert result.messages[0]["buttons"] == [{"title": "Leave a message for our team", "payload": "/request_human"}]
    assert redis_down.journal.records() == []


def test_a_customer_waiting_in_line_keeps_their_place(redis_down: Services) -> None:
    waiting = {"handoff_ticket": "T000007", "handoff_state": "queued"}
    result = run(outage_turn(message("still waiting", "inform", slots=waiting), redis_down))
    assert "You keep your place in the queue" in result.messages[0]["text"] and result.slots == {}
    [record] = redis_down.journal.records()
    assert (record["op"], record["ticket"], record["line"]["text"]) == ("line", "T000007", "still waiting")


def test_a_legal_threat_gets_a_ticket_with_the_whole_conversation(redis_down: Services) -> None:
    earlier = [{"event": "user", "text": "my parcel is lost", "timestamp": 0.5, "parse_data": {"intent": {"name": "ask"}}},
               {"event": "bot", "text": "I'm sorry, I don't have an answer for that.", "timestamp": 0.6}]
    turn = message("I will take legal action against you", "complain", earlier=earlier,
                   metadata={"browser_id": "b1"})
    result = run(outage_turn(turn, redis_down))
    assert result.slots["handoff_state"] == "collecting_contact" and result.slots["customer"] == {"browser_id": "b1"}
    assert "our system is having trouble" in result.messages[0]["text"]
    [record] = redis_down.journal.records()
    assert [r["kind"] for r in record["reasons"]][-1] == "outage" and "legal" in [r["kind"] for r in record["reasons"]]
    assert [t["outcome"] for t in record["turns"]] == ["dont_know", "handoff"]
    assert [line["who"] for line in record["lines"]] == ["customer", "bot", "customer"]
