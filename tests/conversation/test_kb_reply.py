"""Replies from the real knowledge base: answer, clarify, don't know (a gap), a choice, yes and no."""

from __future__ import annotations

from conversation.context import Services, TurnContext
from conversation.input_check import check_text
from conversation.kb_reply import answer, choose, feedback
from detection import assess
from handoff.turns import TurnRecord
from kb.gaps import GapLog
from tests.conversation.turn_fixtures import message, run


def context(services: Services, text: str, intent: str = "ask", slots: dict | None = None,
            entities: dict | None = None, turns: list[TurnRecord] | None = None) -> TurnContext:
    return TurnContext(message(text, intent, slots=slots, entities=entities), {}, turns or [], assess([]),
                       check_text(text, 1000), services)


def test_a_clear_question_is_answered(services: Services) -> None:
    asked = context(services, "How long do refunds take?")
    reply = run(answer(asked))
    assert reply.outcome == "answer" and reply.entries == ["refund-status"]
    assert reply.slots["kb_stage"] == "answered" and reply.slots["kb_question"] == "How long do refunds take?"
    assert asked.said[1]["buttons"][0]["payload"] == "/affirm"


def test_a_question_two_entries_fit_gets_a_choice(services: Services) -> None:
    asked = context(services, "How much is delivery?")
    reply = run(answer(asked))
    assert reply.outcome == "clarify" and set(reply.entries) == {"delivery-cost-uk", "delivery-cost-europe"}
    assert asked.said[0]["buttons"][-1] == {"title": "None of these", "payload": "/deny"}


def test_an_entry_said_no_to_is_left_out_and_named(services: Services) -> None:
    earlier = [TurnRecord("refund?", "ask", "answer", ["refund-status"]), TurnRecord("no", "deny", "", feedback="no")]
    asked = context(services, "How long do refunds take?", turns=earlier)
    reply = run(answer(asked))
    assert "refund-status" not in reply.entries
    assert asked.said[0]["text"] == "You said “Where is my refund?” didn't help earlier, so I've left it out."


def test_an_unknown_question_is_recorded_as_a_gap(services: Services) -> None:
    reply = run(answer(context(services, "Do you repair bicycles on Sundays?")))
    assert reply.outcome == "dont_know" and reply.slots["kb_shown"] == []
    assert [g.kind for g in GapLog(services.redis).all()] == ["unanswered"]


def test_a_chosen_entry_is_answered(services: Services) -> None:
    chose = context(services, "/kb_choose", "kb_choose", slots={"kb_shown": ["delivery-cost-uk"]},
                    entities={"entry_id": "delivery-cost-europe"})
    reply = run(choose(chose))
    assert reply.slots == {"kb_stage": "answered", "kb_shown": ["delivery-cost-uk", "delivery-cost-europe"]}


def test_no_to_every_choice_is_a_rejection_gap_and_the_offer_of_a_person(services: Services) -> None:
    slots = {"kb_stage": "clarifying", "kb_shown": ["delivery-cost-uk", "delivery-cost-europe"],
             "kb_question": "How much is delivery?"}
    said_no = context(services, "none of these", "deny", slots=slots)
    reply = run(feedback(said_no))
    assert reply.outcome == "dont_know" and reply.slots == {"kb_stage": "exhausted"}
    assert said_no.said[0]["buttons"][0]["payload"] == "/request_human"
    [gap] = GapLog(services.redis).all()
    assert gap.kind == "rejected" and gap.entries == ("delivery-cost-uk", "delivery-cost-europe")


def test_yes_or_no_out_of_the_blue_is_answered_plainly(services: Services) -> None:
    assert run(feedback(yes := context(services, "yes", "affirm"))).slots == {}
    assert yes.said == [{"text": "Great! What else can I help you with?"}]
    run(feedback(no := context(services, "no", "deny")))
    assert no.said == [{"text": "All right. What can I help you with?"}]


def test_with_redis_down_the_customer_is_told_and_nothing_is_answered(redis_down: Services) -> None:
    asked = context(redis_down, "How long do refunds take?")
    assert run(answer(asked)).outcome == ""
    assert "I can't reach our help centre right now" in asked.said[0]["text"]
