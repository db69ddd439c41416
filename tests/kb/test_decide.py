"""decide(): answer a clear winner, offer close entries, or say "don't know"."""

from __future__ import annotations

from test_index import config, encoder, small_index  # noqa: F401  (shared fixtures)

from kb.decide import decide
from kb.index import Hit, RetrievalIndex
from kb.retrieval_config import RetrievalConfig, Thresholds

THRESHOLDS = Thresholds(answer_min=0.5, answer_margin=0.1, clarify_min=0.3, clarify_window=0.15, clarify_max=4)


def hits(*scores: float) -> list[Hit]:
    return [Hit(f"e{i}", s) for i, s in enumerate(scores)]


def test_clear_winner_is_answered() -> None:
    decision = decide(hits(0.8, 0.5, 0.4), THRESHOLDS)
    assert decision.kind == "answer"
    assert decision.hits == (Hit("e0", 0.8),)


def test_contested_winner_gets_the_close_choices() -> None:
    decision = decide(hits(0.8, 0.75, 0.7, 0.66, 0.65, 0.2), THRESHOLDS)
    assert decision.kind == "clarify"
    assert [h.entry_id for h in decision.hits] == ["e0", "e1", "e2", "e3"]  # capped at clarify_max


def test_weak_winner_is_clarified_with_at_least_two_choices() -> None:
    decision = decide(hits(0.45, 0.2, 0.1), THRESHOLDS)
    assert decision.kind == "clarify"
    assert [h.entry_id for h in decision.hits] == ["e0", "e1"]


def test_low_scores_and_no_hits_are_dont_know() -> None:
    assert decide(hits(0.29, 0.28), THRESHOLDS).kind == "dont_know"
    assert decide([], THRESHOLDS).kind == "dont_know"
    assert decide(hits(0.45), THRESHOLDS).kind == "dont_know"  # nothing to choose between


def test_real_paraphrase_is_answered(small_index: RetrievalIndex, config: RetrievalConfig) -> None:
    decision = decide(small_index.search("How can I reset my password?"), config.thresholds)
    assert decision.kind == "answer"
    assert decision.hits[0].entry_id == "reset-password"


def test_real_unrelated_question_is_dont_know(small_index: RetrievalIndex, config: RetrievalConfig) -> None:
    for question in ["What time is the football on tonight?", "Recommend a good pasta recipe"]:
        assert decide(small_index.search(question), config.thresholds).kind == "dont_know", question


def test_real_near_duplicates_are_clarified(small_index: RetrievalIndex, config: RetrievalConfig) -> None:
    decision = decide(small_index.search("How much does delivery cost?"), config.thresholds)
    assert decision.kind == "clarify"
    assert {"delivery-cost-uk", "delivery-cost-europe"} <= {h.entry_id for h in decision.hits}
    assert 2 <= len(decision.hits) <= 4
