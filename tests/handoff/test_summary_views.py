"""Each audience's view of the summary: the desk page, a queue card, the widget, the ticket e-mail."""

from __future__ import annotations

import time

from customers.contacts import Contact
from handoff.queue import HandoffQueue
from handoff.summary import Summary, SummaryInput, Tried, build_summary
from handoff.summary_views import for_desk_page, for_queue_card, for_ticket_email, for_widget
from handoff.turns import TurnRecord

DAY = 86400
TITLES = {"refund-timing": ("How long does a refund take?", "refunds"),
          "refund-missing": ("Refund not received", "refunds")}


def sams_summary(verified: bool = True) -> Summary:
    """Sam asked about a refund, said the answer didn't help and got upset; one earlier contact,
    one conversation possibly Sam's (same typed e-mail)."""
    now = time.time()
    turns = [
        TurnRecord("where is my <b>refund</b> for order MM-10042? card 4111 1111 1111 1234", "kb_question", "answer",
                   ["refund-timing"]),
        TurnRecord("no", "deny", "", feedback="no", level="rising"),
        TurnRecord("USELESS!!!", "kb_question", "handoff", level="high"),
    ]
    earlier = [Contact("old", now - 2 * DAY, now - 2 * DAY, topic="refund late", outcome="resolved", ticket="T000001")]
    possible = [Contact("other", now - DAY, now - DAY, topic="my lamp at 1 High St")]
    return build_summary(SummaryInput(
        {"name": "Sam", "email": "sam@example.com", "id": "C1", "verified": verified}, turns, earlier,
        [{"kind": "tone", "detail": "shouting", "quote": "USELESS!!!"}], TITLES, ["refund-missing"], possible,
    ), now=now)


def test_the_widget_reads_back_what_was_passed_on_about_the_problem_and_nothing_internal():
    text = for_widget(sams_summary(verified=False))
    assert text.splitlines() == [
        "Sam (sam@example.com), 1 earlier contact(s)",
        "Asking: “where is my refund for order MM-10042? card [card ending 1234]” [refunds]",
        "Facts: orders: MM-10042",
        "Bot tried: How long does a refund take? (no)",
    ]
    # Not for the customer: our reading of their mood (the handoff reasons, the frustration trend,
    # "upset", "complaint"), the verification state, possible contacts, the agent's suggestions, earlier topics.
    for internal in ("USELESS", "shouting", "rising", "Frustration", "Upset", "complaint", "verified", "lamp",
                     "Refund not received", "refund late"):
        assert internal not in text


def test_the_widget_text_of_a_calm_first_contact_is_two_lines():
    turns = [TurnRecord("can I pay by invoice?", "kb_question", "dont_know")]
    reasons = [{"kind": "human_request", "detail": "asks for a person", "quote": ""}]
    summary = build_summary(SummaryInput({}, turns, [], reasons, {}))
    assert for_widget(summary) == "Unknown customer, first contact\nAsking: “can I pay by invoice?” [general]"


def test_a_customer_who_says_they_asked_before_is_a_repeat_contact_with_none_on_record():
    turns = [TurnRecord("where is my parcel MM-20417?", "kb_question", "answer"),
             TurnRecord("this is the third time I'm asking, nobody helps", "bot_challenge", "", level="rising"),
             TurnRecord("/request_human", "request_human", "handoff", level="rising")]
    summary = build_summary(SummaryInput({}, turns, [], [], {}))
    assert summary.who.says_asked_before and summary.who.earlier_contacts == 0
    assert for_desk_page(summary).contacts == "says they asked before (none on record)"
    assert for_widget(summary).splitlines()[0] == "Unknown customer, says they asked before"
    assert Summary.from_dict(summary.to_dict()) == summary
    # Asking to do something again is not a claim of an earlier contact.
    again = build_summary(SummaryInput({}, [TurnRecord("can I order the lamp again?", "kb_question", "answer")],
                                       [], [], {}))
    assert not again.who.says_asked_before and for_desk_page(again).contacts == "first contact"


def test_the_desk_page_gets_each_part_ready_to_print():
    card = for_desk_page(sams_summary(verified=False))
    assert (card.customer, card.email, card.customer_id, card.unverified) == ("Sam", "sam@example.com", "C1", True)
    assert (card.contacts, card.possible_contacts, card.category) == ("1 earlier contact(s)", 1, "refunds / complaint")
    assert card.facts == (("orders", "MM-10042"),)
    assert card.tried == (Tried("refund-timing", "How long does a refund take?", "no"),)
    assert card.frustration == "none → rising → high" and card.suggested == ("Refund not received",)
    assert for_desk_page(sams_summary()).unverified is False
    empty = for_desk_page(Summary())
    assert (empty.customer, empty.email, empty.unverified, empty.contacts, empty.frustration) == (
        "Unknown customer", "", False, "first contact", "")


def test_a_queue_card_names_the_customer_and_the_bare_category():
    card = for_queue_card(sams_summary(verified=False))
    assert (card.customer, card.unverified, card.category) == ("Sam", True, "refunds")
    assert card.issue.startswith("Upset customer asking: “where is my refund")
    assert for_queue_card(Summary()) == for_queue_card(Summary.from_dict({}))
    assert for_queue_card(Summary()).customer == ""


def test_the_ticket_email_is_the_teams_plain_text_copy_of_a_stored_ticket(redis_client):
    queue = HandoffQueue(redis_client)
    created = queue.create([], as_ticket=True, sender_id="sam", channel="rest", customer={}, priority=2, reasons=[],
                           summary=sams_summary(verified=False), contact_details="sam@example.com, <b>07700 900123</b>")
    text = for_ticket_email(queue.get(created.ticket))
    lines = text.splitlines()
    assert lines[0] == f"Ticket {created.ticket} (ticket, high priority)"
    assert lines[1].startswith(f"Opened {time.strftime('%Y-%m-%d', time.gmtime(created.created_at))}")
    assert lines[1].endswith(time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(created.deadline_at)))
    assert lines[2] == "Contact details: sam@example.com, <b>07700 900123</b>"  # plain text: not markup
    assert "Customer: Sam (sam@example.com), id C1, given by the website, not verified, 1 earlier contact(s)" in lines
    assert "Facts (given in chat, not verified): orders: MM-10042" in lines
    assert "Bot tried: How long does a refund take? (customer: no)" in lines
    assert "Why handed off: shouting: “USELESS!!!”" in lines and "Might help: Refund not received" in lines
    assert lines[-4:] == ["Earlier contacts:", "- 2 days ago: refund late (resolved, T000001)",
                          "Possibly the same customer (not verified):", "- 24 h ago: my lamp at 1 High St (abandoned)"]
    assert "4111" not in text and text.endswith("\n")
