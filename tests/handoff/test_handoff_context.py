"""What a handoff is made of: its transcript, priority, audience and the summary's context."""

from __future__ import annotations

from conversation.context import Services
from customers.contacts import ContactHistory
from customers.flags import flag_customer
from detection import Reason
from handoff.context import audience, build_context, priority, transcript
from handoff.records import PRIORITY_HIGH, PRIORITY_LEGAL, PRIORITY_NORMAL, PRIORITY_RAISED
from handoff.turns import TurnRecord
from protocol.metadata import FULL_TEXT_KEY

LEGAL = Reason("legal", "threatens legal action", "I'll sue")
ASKED = Reason("human_request", "asks for a person", "a human please")


def test_priority_legal_then_high_then_repeat_or_rising() -> None:
    assert priority([ASKED, LEGAL], repeat=False, level="none") == PRIORITY_LEGAL
    assert priority([ASKED], repeat=True, level="high") == PRIORITY_HIGH
    assert priority([ASKED], repeat=True, level="none") == PRIORITY_RAISED
    assert priority([ASKED], repeat=False, level="rising") == PRIORITY_RAISED
    assert priority([ASKED], repeat=False, level="none") == PRIORITY_NORMAL
    assert audience([ASKED, LEGAL]) == "supervisors" and audience([ASKED]) == "agents"


def test_the_transcript_has_the_words_not_the_button_payloads() -> None:
    events = [
        {"event": "user", "text": "/greet", "timestamp": 1.0},
        {"event": "user", "text": "cut", "timestamp": 2.0, "metadata": {FULL_TEXT_KEY: "cut, and the rest"}},
        {"event": "bot", "text": "Hello", "timestamp": 3.0},
        {"event": "action", "name": "action_listen"},
    ]
    assert [(line.who, line.text, line.at) for line in transcript(events)] == [
        ("customer", "cut, and the rest", 2.0), ("bot", "Hello", 3.0),
    ]


def test_the_context_counts_unresolved_earlier_contacts_and_suggests_entries(services: Services) -> None:
    customer = {"id": "c-42", "verified": True}
    ContactHistory(services.redis).touch("earlier", ["id:c-42"], [], "ask", "my refund")
    flag_customer(services.redis, customer, "earlier", "abusive language")
    turns = [TurnRecord("When will I get my refund?", "ask", "dont_know"), TurnRecord("a person!", "request_human", "handoff")]
    built = build_context(services.redis, services.knowledge_base, "s1", customer, turns, [ASKED], "none", 7)
    assert built.repeat_contacts == 1 and built.priority == PRIORITY_RAISED and built.flagged
    assert built.audience == "agents" and built.reasons == [{"kind": "human_request", "detail": "asks for a person",
                                                             "quote": "a human please"}]
    assert built.summary.suggested[0].id == "refund-status"
