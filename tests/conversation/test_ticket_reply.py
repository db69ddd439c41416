"""A customer asks about their ticket (tests/conversation/test_ticket_status.py would clash with handoff's by name)."""

from __future__ import annotations

from conversation.context import Services, TurnContext
from conversation.input_check import check_text
from conversation.ticket_reply import ticket_status
from customers.contacts import ContactHistory
from detection import assess
from handoff.queue import HandoffQueue
from handoff.summary import Summary
from tests.conversation.turn_fixtures import message, run


def context(services: Services, text: str) -> TurnContext:
    return TurnContext(message(text, "ticket_status"), {}, [], assess([]), check_text(text, 1000), services)


def test_my_ticket_is_this_conversations_ticket(services: Services) -> None:
    handoff = HandoffQueue(services.redis).create([], as_ticket=True, sender_id="s1", channel="rest", customer={},
                                                  priority=0, reasons=[], summary=Summary())
    ContactHistory(services.redis).set_outcome("s1", "handed_off", handoff.ticket)
    asked = context(services, "what's happening with my ticket?")
    run(ticket_status(asked))
    assert handoff.ticket in asked.said[0]["text"]


def test_an_unknown_ticket_number_is_said_so(services: Services) -> None:
    asked = context(services, "status of T999999 please")
    run(ticket_status(asked))
    assert "T999999" in asked.said[0]["text"]
