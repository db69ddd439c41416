"""The context summary: who, the issue, facts, what was tried, why; secrets masked."""

import json
import time

from customers.contacts import Contact
from customers.facts import extract_facts, mask_secrets
from handoff.queue import HandoffQueue
from handoff.summary import QuotedReason, Summary, SummaryInput, Tried, Who, add_to_summary, build_summary
from handoff.summary_views import for_widget
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
    text = for_widget(summary)
    assert summary.who.earlier_contacts == 1
    assert summary.category_label == "refunds / complaint"
    assert summary.facts["orders"] == ("MM-10042",)
    assert summary.tried == (Tried("refund-timing", "How long does a refund take?", "no"),)
    assert "4111" not in text and "MM-10042" in text
    assert text.startswith("Sam (sam@example.com), 1 earlier contact(s)")
    assert len(text.splitlines()) <= 5


def test_unverified_details_and_possible_contacts_reach_the_agent_but_never_the_text_read_to_the_customer():
    turns = [TurnRecord("my e-mail is sam@example.com, where is order MM-10042?", "kb_question", "dont_know")]
    possible = [Contact("sams", time.time() - 86400, time.time() - 86400, topic="refund for my lamp at 1 High St")]
    summary = build_summary(SummaryInput(
        {"name": "Sam", "email": "sam@example.com", "verified": False, "chat_emails": ["sam@example.com"]},
        turns, [], [], {}, possible=possible,
    ))
    text = for_widget(summary)
    assert summary.who.verified is False and summary.who.possible_contacts == 1
    assert summary.possible[0].topic == "refund for my lamp at 1 High St"
    assert summary.who.earlier_contacts == 0 and "first contact" in text
    assert "lamp" not in text and "possibl" not in text.lower()


def _sams_summary() -> Summary:
    turns = [
        TurnRecord("where is my refund for order MM-10042?", "kb_question", "answer", ["refund-timing"]),
        TurnRecord("no", "deny", "", feedback="no", level="rising"),
    ]
    earlier = [Contact("old", time.time() - 2 * 86400, time.time() - 2 * 86400, topic="refund late", outcome="resolved",
                       ticket="T000001")]
    return build_summary(SummaryInput(
        {"name": "Sam", "email": "sam@example.com", "id": "C1", "verified": True}, turns, earlier,
        [{"kind": "tone", "detail": "shouting", "quote": "NOW"}],
        {"refund-timing": ("How long does a refund take?", "refunds"),
         "refund-missing": ("Refund not received", "refunds")},
        ["refund-missing"],
    ))


def test_the_stored_shape_is_the_one_handoffs_have_always_had_and_reads_back_the_same(redis_client):
    summary = add_to_summary(_sams_summary(), "it was a gift, order MM-77120")
    stored = summary.to_dict()
    assert set(stored) == {"who", "issue", "question", "category", "facts", "tried", "reasons", "added", "trend",
                           "suggested", "earlier", "possible"}
    assert stored["category"] == "refunds / complaint" and stored["facts"]["orders"] == ["MM-10042", "MM-77120"]
    assert stored["who"] == {"name": "Sam", "email": "sam@example.com", "customer_id": "C1", "earlier_contacts": 1,
                             "earlier_outcomes": {"resolved": 1}, "verified": True, "possible_contacts": 0,
                             "says_asked_before": False}
    assert stored["earlier"][0]["ticket"] == "T000001"
    assert stored["suggested"] == [{"id": "refund-missing", "title": "Refund not received"}]
    assert Summary.from_dict(stored) == summary
    # Through Redis and back, as the desk reads it; an update keeps the stored shape too.
    queue = HandoffQueue(redis_client)
    handoff = queue.create([], sender_id="s1", channel="rest", customer={}, priority=0, reasons=[], summary=summary)
    assert queue.get(handoff.ticket).summary == summary
    queue.update(handoff.ticket, summary=add_to_summary(summary, "and order MM-55555"))
    assert queue.get(handoff.ticket).summary.facts["orders"] == ("MM-10042", "MM-77120", "MM-55555")


def test_a_handoff_stored_by_an_older_version_still_loads(redis_client):
    # Written as older versions did: a `text`, no verification, no outcomes, no `added`, no `possible`.
    old = {"who": {"name": "", "email": "kim@example.com", "customer_id": "", "earlier_contacts": 0},
           "issue": "Customer asking: “hello”", "category": "general / enquiry", "facts": {}, "tried": [],
           "reasons": [{"kind": "human_request", "detail": "asks for a person", "quote": "a human"}],
           "trend": ["none"], "suggested": [], "earlier": [], "text": "kim@example.com, first contact"}
    record = {"ticket": "T000042", "sender_id": "kim", "channel": "rest", "customer": {}, "priority": 0,
              "reasons": [], "summary": old, "state": "queued", "created_at": 1.0, "deadline_at": 181.0}
    redis_client.hset(HandoffQueue.key("T000042"), mapping={k: json.dumps(v) for k, v in record.items()})
    summary = HandoffQueue(redis_client).get("T000042").summary
    assert summary.who == Who(email="kim@example.com")  # no flag: shown as before, without a warning
    assert (summary.category, summary.kind, summary.added, summary.possible) == ("general", "enquiry", (), ())
    assert summary.reasons == (QuotedReason("human_request", "asks for a person", "a human"),)
    assert add_to_summary(summary, "order MM-1").added == ("order MM-1",)
    assert Summary.from_dict({}) == Summary()
    assert Summary.from_dict({"category": "payments"}).category_label == "payments"
