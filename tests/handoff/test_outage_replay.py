"""Replaying the outage journal into the queue: a ticket with its summary, its messages, once each."""

from __future__ import annotations

from typing import Any

from conversation.context import Services
from customers.identity import sign
from handoff.journal import new_reference
from handoff.outage_replay import apply_record, held_conversation, journal_kept, replay_journal, replayed_key
from handoff.queue import HandoffQueue
from handoff.records import Line
from tests.conversation.turn_fixtures import SECRET

TRACKER = {
    "sender_id": "s1",
    "slots": {"customer": None},
    "latest_message": {"text": "I want a person", "intent": {"name": "request_human"},
                       "metadata": {"customer": {"id": "c-42", "email": "sam@example.com",
                                                 "signature": sign(SECRET, "c-42", "sam@example.com")}}},
    "events": [{"event": "user", "text": "I want a person", "timestamp": 5.0, "input_channel": "socketio",
                "parse_data": {"intent": {"name": "request_human"}}}],
}


def test_the_conversation_rasa_held_is_read_with_its_signed_customer() -> None:
    held = held_conversation(TRACKER, SECRET)
    assert held.customer["verified"] is True and held.channel == "socketio" and held.text == "I want a person"


def test_a_journalled_ticket_and_its_messages_reach_the_queue_once(services: Services) -> None:
    ticket, kept = new_reference(), []
    journal_kept(services.journal, SECRET, {"id": "r1", "op": "open", "ticket": ticket, "tracker": TRACKER})
    journal_kept(services.journal, SECRET, {"id": "r2", "op": "line", "ticket": ticket, "at": 6.0,
                                            "message": {"text": "hello?"}})
    services.journal.write("rating", "", rating={"kind": "bot", "chat": "s1", "score": 4})

    def apply(record: dict[str, Any]) -> None:
        apply_record(services.redis, services.knowledge_base, record, 7, kept.append)

    assert replay_journal(services.redis, services.journal, SECRET, apply) == 3
    handoff = HandoffQueue(services.redis).get(ticket)
    assert handoff is not None and handoff.state == "ticket" and handoff.customer["verified"] is True
    assert [r["kind"] for r in handoff.reasons] == ["human_request", "outage"]
    assert [line.text for line in HandoffQueue(services.redis).transcript(ticket)] == ["I want a person", "hello?"]
    assert kept == [{"kind": "bot", "chat": "s1", "score": 4}]
    assert services.redis.exists(replayed_key("r1"))
    # Applied again (a crash before the journal dropped it): skipped.
    apply({"id": "r2", "op": "line", "ticket": ticket, "line": Line("customer", "hello?").to_dict()})
    assert len(HandoffQueue(services.redis).transcript(ticket)) == 2
