"""Patching entries into a serving index: the same top answers as a rebuild, never over-confident,
and the index patched stays as it was."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from tests.small_kb import SMALL_KB, config, encoder, make_entry, small_index  # noqa: F401  (shared fixtures)

import kb.finetune
import kb.index
from kb.index import PATCH_DISCOUNT, Fit, RetrievalIndex

GIFT_CARDS = make_entry("gift-cards", "Do you sell gift cards?", [
    "Can I buy a gift card?", "Do you have gift vouchers?", "How do I redeem a gift card?",
])
EDITED_REFUNDS = dataclasses.replace(
    SMALL_KB[2], questions=SMALL_KB[2].questions + ("Where is the money for my return?",))
DELETED = "payment-methods"
PARAPHRASES = ["I'd like to buy a voucher as a present", "gift card balance", "can i pay with a gift card"]


@pytest.fixture(scope="module")
def changed() -> dict:
    return {GIFT_CARDS.id: GIFT_CARDS, EDITED_REFUNDS.id: EDITED_REFUNDS, DELETED: None}


@pytest.fixture(scope="module")
def rebuilt(encoder, config, changed) -> RetrievalIndex:  # noqa: F811
    current = {e.id: e for e in SMALL_KB} | changed
    return RetrievalIndex.build([e for e in current.values() if e], encoder, config)


def test_patched_entries_get_the_same_top_answer_as_a_rebuild(small_index, rebuilt, changed) -> None:  # noqa: F811
    patched = small_index.patched(changed)
    assert len(patched) == len(rebuilt) == len(SMALL_KB)
    for entry in [e for e in SMALL_KB if e.id != DELETED] + [GIFT_CARDS]:
        for question in entry.questions:
            assert patched.search(question)[0].entry_id == rebuilt.search(question)[0].entry_id, question
    deleted = next(e for e in SMALL_KB if e.id == DELETED)
    for question in deleted.questions:
        assert DELETED not in [h.entry_id for h in patched.search(question, k=10)]


def test_a_patched_entry_is_not_more_confident_than_after_the_refit(small_index, rebuilt, changed) -> None:  # noqa: F811
    patched = small_index.patched(changed)
    for question in [*GIFT_CARDS.questions, *PARAPHRASES]:
        before, after = patched.search(question)[0], rebuilt.search(question)[0]
        assert before.entry_id == after.entry_id == GIFT_CARDS.id
        assert before.score <= after.score + 0.02, question


def test_the_discount_shrinks_with_the_share_of_the_kb_a_refit_trains_on(small_index, monkeypatch) -> None:  # noqa: F811
    patched = small_index.patched({GIFT_CARDS.id: GIFT_CARDS})
    whole = patched.search(PARAPHRASES[0])[0]  # a KB trained on whole: the whole discount
    monkeypatch.setattr(kb.finetune, "FIT_SAMPLE_ENTRIES", len(SMALL_KB) // 2)
    half = patched.search(PARAPHRASES[0])[0]  # a refit would train on half the entries
    assert whole.entry_id == half.entry_id == GIFT_CARDS.id
    assert half.score == pytest.approx(whole.score + PATCH_DISCOUNT / 2, abs=1e-6)


def test_the_patched_index_is_left_as_it_was(small_index, changed) -> None:  # noqa: F811
    questions = [q for e in SMALL_KB for q in e.questions]
    before = small_index.search_many(questions)
    small_index.patched(changed)
    assert small_index.search_many(questions) == before
    assert len(small_index) == len(SMALL_KB)


def test_an_entry_edited_back_to_its_fitted_text_is_served_from_the_fit_again(small_index) -> None:  # noqa: F811
    original = SMALL_KB[0]
    edited = dataclasses.replace(original, questions=original.questions[:2])
    restored = small_index.patched({original.id: edited}).patched({original.id: original})
    assert restored.search_many(list(original.questions)) == small_index.search_many(list(original.questions))
    # An answer-only edit is nothing to encode: the same index serves it.
    assert small_index.patched({original.id: dataclasses.replace(original, answer="New words.")}) is small_index


def test_a_large_kbs_bounded_approximate_search_ranks_as_the_exact_one(
        small_index, encoder, config, changed, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setattr(kb.index, "APPROXIMATE_ABOVE", 0)  # the small KB fitted and searched as a large one would be
    approximate = RetrievalIndex(Fit.make(SMALL_KB, encoder, config), config)
    assert approximate.fit.approximate and not small_index.fit.approximate
    questions = [q for e in SMALL_KB for q in e.questions] + PARAPHRASES + ["where is my parcel", "hello"]
    for exact, approx in [(small_index, approximate), (small_index.patched(changed), approximate.patched(changed))]:
        for want, got in zip(exact.search_many(questions, k=3), approx.search_many(questions, k=3), strict=True):
            assert got[0].entry_id == want[0].entry_id
            # Its variants are stored in 8 bits a dimension (kb.index.new_search_index).
            assert np.allclose([h.score for h in got], [h.score for h in want], atol=0.01)
