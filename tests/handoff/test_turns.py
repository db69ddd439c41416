"""Reading a conversation's turns: which answers the customer turned down."""

from __future__ import annotations

from handoff.turns import TurnRecord, rejected_entries


def turn(outcome: str = "", entries: tuple[str, ...] = (), feedback: str = "") -> TurnRecord:
    return TurnRecord(text="t", outcome=outcome, entries=list(entries), feedback=feedback)


def test_a_no_rejects_the_answer_then_the_next_best_then_all_choices():
    turns = [
        turn("answer", ("refund-timing",)),
        turn("answer", ("refund-not-received",), feedback="no"),  # no to the first, next best shown
        turn("dont_know", feedback="no"),  # no to the next best
        turn("clarify", ("delivery-times", "delivery-costs")),
        turn("dont_know", feedback="no"),  # "None of these"
    ]
    assert rejected_entries(turns) == ["refund-timing", "refund-not-received", "delivery-times", "delivery-costs"]


def test_a_yes_or_a_new_question_rejects_nothing():
    turns = [turn("answer", ("a",)), turn(feedback="yes"), turn("answer", ("b",)), turn("answer", ("c",)),
             turn("dont_know"), turn(feedback="no")]
    assert rejected_entries(turns) == []
