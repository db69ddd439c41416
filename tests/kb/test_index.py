"""RetrievalIndex: ranking, scores, determinism and the cache key."""

from __future__ import annotations

import dataclasses

import numpy as np

from kb.index import Hit, RetrievalIndex, cache_key
from tests.small_kb import SMALL_KB, config, encoder, make_entry, small_index  # noqa: F401  (shared fixtures)


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
