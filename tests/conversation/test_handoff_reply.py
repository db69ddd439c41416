"""Handing a conversation to people (tests/conversation/test_handoff.py would clash with the e2e one by name)."""

from __future__ import annotations

from conversation.context import Services, TurnContext
from conversation.handoff_reply import relay_to_agent, request_human, start_handoff, take_contact
from conversation.input_check import check_text
from detection import Reason, assess
from handoff.journal import new_reference
from handoff.presence import heartbeat
from handoff.queue import HandoffQueue
from handoff.records import PRIORITY_LEGAL
from handoff.summary import Summary
from tests.conversation.turn_fixtures import message, run

LEGAL = Reason("legal", "threatens legal action", "I will sue you")


def context(services: Services, text: str, intent: str = "ask") -> TurnContext:
    return TurnContext(message(text, intent), {}, [], assess([]), check_text(text, 1000), services)


def test_a_legal_threat_is_queued_for_supervisors_first(services: Services) -> None:
    heartbeat(services.redis, "alice")
    asked = context(services, "I will sue you")
    reply = run(start_handoff(asked, extra=LEGAL))
    assert reply.outcome == "handoff" and reply.slots["handoff_state"] == "queued"
    handoff = HandoffQueue(services.redis).get(reply.slots["handoff_ticket"])
    assert handoff is not None and handoff.priority == PRIORITY_LEGAL and handoff.audience == "supervisors"
    assert asked.said[0]["text"].startswith(f"I'm connecting you with a person. Your ticket number is {handoff.ticket}.")


def test_without_the_button_a_request_for_a_person_is_answered_from_the_kb(services: Services) -> None:
    asked = context(services, "help me with my refund", "request_human")
    assert run(request_human(asked)).outcome == "answer"
    pressed = context(services, "/request_human", "request_human")
    assert run(request_human(pressed)).outcome == "handoff"


def test_with_redis_down_a_handoff_is_a_ticket_in_the_journal(redis_down: Services) -> None:
    reply = run(start_handoff(context(redis_down, "/request_human"), extra=LEGAL))
    assert reply.slots["handoff_state"] == "collecting_contact"
    [record] = redis_down.journal.records()
    assert record["op"] == "open" and record["ticket"] == reply.slots["handoff_ticket"]


def test_the_customers_message_is_relayed_to_the_agent(services: Services) -> None:
    queue = HandoffQueue(services.redis)
    handoff = queue.create([], sender_id="s1", channel="rest", customer={}, priority=0, reasons=[], summary=Summary())
    result = run(relay_to_agent(message("are you still there?"), services))
    assert result.messages == [] and result.slots == {}
    assert [line.text for line in queue.transcript(handoff.ticket)] == ["are you still there?"]


def test_with_redis_down_a_message_for_the_agent_is_journalled(redis_down: Services) -> None:
    result = run(relay_to_agent(message("are you still there?", slots={"handoff_ticket": "T000001"}), redis_down))
    assert "Your message is saved" in result.messages[0]["text"]
    [record] = redis_down.journal.records()
    assert record["op"] == "line" and record["line"]["text"] == "are you still there?"


def test_contact_details_for_a_journalled_ticket_wait_in_the_journal(services: Services) -> None:
    ticket = new_reference()
    missing = run(take_contact(message("call me maybe", slots={"handoff_ticket": ticket}), services))
    assert missing.slots == {} and "couldn't see an e-mail address" in missing.messages[0]["text"]
    noted = run(take_contact(message("+44 20 7946 0958", slots={"handoff_ticket": ticket}), services))
    assert noted.slots == {"handoff_state": None}
    assert [r["text"] for r in services.journal.records()] == ["call me maybe", "+44 20 7946 0958"]
