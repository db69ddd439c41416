"""evaluate(): ranks, decision table, derived figures and the query CSV reader."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.small_kb import SMALL_KB, config, encoder  # noqa: F401  (shared fixtures)

from kb.decide import Decision
from kb.evaluate import IN_SCOPE_OUTCOMES, Query, evaluate, in_scope_outcome, read_queries
from kb.index import Hit

QUERIES = [
    Query("How can I reset my password?", "reset-password", "in_scope"),
    Query("I want to cancel my order", "cancel-order", "in_scope"),
    Query("when does my refund come", "refund-status", "in_scope"),
    Query("How much does delivery cost?", "delivery-cost-uk", "in_scope"),
    Query("What time is the football on tonight?", "oos", "ood-oos"),
    Query("Recommend a good pasta recipe", "oos", "ood-oos"),
]


def test_read_queries_with_and_without_group(tmp_path: Path) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_text('text,label\n"hello, there",greeting\n', encoding="utf-8")
    grouped = tmp_path / "grouped.csv"
    grouped.write_text("text,label,group\nhi,oos,ood-oos\n", encoding="utf-8")
    assert read_queries(plain) == [Query("hello, there", "greeting", "")]
    assert read_queries(grouped) == [Query("hi", "oos", "ood-oos")]


@pytest.mark.parametrize(("decision", "outcome"), [
    (Decision("answer", (Hit("a", 0.9),)), "correct_answer"),
    (Decision("answer", (Hit("b", 0.9),)), "wrong_answer"),
    (Decision("clarify", (Hit("b", 0.6), Hit("a", 0.5))), "clarify_with_right"),
    (Decision("clarify", (Hit("b", 0.6), Hit("c", 0.5))), "clarify_without_right"),
    (Decision("dont_know"), "dont_know"),
])
def test_in_scope_outcome(decision: Decision, outcome: str) -> None:
    assert in_scope_outcome(decision, "a") == outcome


def test_evaluate_tallies_the_small_kb(encoder, config) -> None:
    report = evaluate(SMALL_KB, QUERIES, encoder, config, progress=False)
    assert report.queries == 6 and report.in_scope == 4
    assert report.top1 >= 0.75 and report.top3 == 1.0
    assert report.top1 <= report.mrr <= 1.0
    assert sum(report.in_scope_outcomes.values()) == 4
    assert set(report.in_scope_outcomes) == set(IN_SCOPE_OUTCOMES)
    assert report.in_scope_outcomes["correct_answer"] >= 2
    assert report.in_scope_outcomes["clarify_with_right"] >= 1  # the delivery-cost question
    assert report.oos_outcomes == {"ood-oos": {"answered": 0, "clarify": 0, "dont_know": 2}}
    assert report.derived["ood-oos_answered"] == 0.0
    assert report.derived["in_scope_answer_precision"] == 1.0
    assert report.build_seconds > 0 and report.single_query_ms > 0
    data = report.to_json()
    assert data["top1"] == report.top1 and data["oos_outcomes"] == report.oos_outcomes
    text = report.format_text()
    assert "top-1" in text and "correct_answer" in text and "ood-oos" in text
