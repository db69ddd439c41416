"""The context summary: who, the issue, facts, what was tried, why; secrets masked."""

import time

from customers.contacts import Contact
from customers.facts import extract_facts, mask_secrets
from handoff.summary import SummaryInput, build_summary
from handoff.turns import TurnRecord


def test_facts_are_found_and_secrets_masked():
    text = "Order #MM-48213 from 3 days ago, £45.99, card 4111 1111 1111 1234, password is hunter2, me@x.com"
    facts = extract_facts(text)
    assert facts == {"orders": ["MM-48213"], "emails": ["me@x.com"], "dates": ["3 days ago"], "amounts": ["£45.99"]}
    masked = mask_secrets(text)
    assert "4111" not in masked and "[card ending 1234]" in masked and "hunter2" not in masked


def test_summary_tells_the_story_in_a_few_lines():
    turns = [
        TurnRecord("where is my refund for order #MM-10042? card 4111 1111 1111 1234", "kb_question", "answer", ["refund-timing"]),
        TurnRecord("no", "deny", "", feedback="no", level="rising"),
        TurnRecord("USELESS!!!", "kb_question", "handoff", level="high"),
    ]
    earlier = [Contact("old", time.time() - 2 * 86400, time.time() - 2 * 86400, topic="refund late", outcome="handed_off")]
    reasons = [{"kind": "tone", "detail": "shouting", "quote": "USELESS!!!"}]
    summary = build_summary(SummaryInput(
        {"name": "Sam", "email": "sam@example.com"}, turns, earlier, reasons,
        {"refund-timing": ("How long does a refund take?", "refunds")}, ["refund-not-received"],
    ))
    assert summary["who"]["earlier_contacts"] == 1
    assert summary["category"] == "refunds / complaint"
    assert summary["facts"]["orders"] == ["MM-10042"]
    assert summary["tried"] == [{"entry": "refund-timing", "title": "How long does a refund take?", "reaction": "no"}]
    assert "4111" not in summary["text"] and "USELESS!!!" in summary["text"]
    assert summary["text"].startswith("Sam (sam@example.com), 1 earlier contact(s)")
    assert len(summary["text"].splitlines()) <= 7


def test_unverified_details_and_possible_contacts_reach_the_agent_but_never_the_text_read_to_the_customer():
    turns = [TurnRecord("my e-mail is sam@example.com, where is order MM-10042?", "kb_question", "dont_know")]
    possible = [Contact("sams", time.time() - 86400, time.time() - 86400, topic="refund for my lamp at 1 High St")]
    summary = build_summary(SummaryInput(
        {"name": "Sam", "email": "sam@example.com", "verified": False, "chat_emails": ["sam@example.com"]},
        turns, [], [], {}, possible=possible,
    ))
    assert summary["who"]["verified"] is False and summary["who"]["possible_contacts"] == 1
    assert summary["possible"][0]["topic"] == "refund for my lamp at 1 High St"
    assert summary["who"]["earlier_contacts"] == 0 and "first contact" in summary["text"]
    assert "lamp" not in summary["text"] and "possibl" not in summary["text"].lower()
