"""A KB larger than the fit's training sample: trained on a sample, the rest encoded in chunks,
stored in Redis in parts and loaded back as it was made."""

from __future__ import annotations

import numpy as np
import pytest
from tests.small_kb import SMALL_KB, config, encoder, small_index  # noqa: F401  (shared fixtures)

import kb.finetune
import kb.fit_parts
import kb.fits
import kb.index
from kb.finetune import training_sample
from kb.fits import FitStore
from kb.index import Fit, RetrievalIndex


@pytest.fixture(scope="module")
def sampled_index(encoder, config) -> RetrievalIndex:  # noqa: F811
    """SMALL_KB fitted as a KB twice the sample bound: 3 entries trained on, texts encoded 5 at a time."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(kb.finetune, "FIT_SAMPLE_ENTRIES", len(SMALL_KB) // 2)
        patch.setattr(kb.finetune, "STREAM_CHUNK", 5)
        return RetrievalIndex.build(SMALL_KB, encoder, config)


def test_the_sample_is_seeded_and_bounded() -> None:
    assert list(training_sample(10, seed=0)) == list(range(10))
    large = kb.finetune.FIT_SAMPLE_ENTRIES * 3
    sample = training_sample(large, seed=0)
    assert len(sample) == kb.finetune.FIT_SAMPLE_ENTRIES == len(set(sample.tolist()))
    assert list(sample) == sorted(sample) and list(sample) == list(training_sample(large, seed=0))


def test_a_kb_larger_than_the_sample_answers_each_entrys_own_questions_with_it(sampled_index) -> None:
    assert len(sampled_index) == len(SMALL_KB)
    for entry in SMALL_KB:
        hits = sampled_index.search_many(list(entry.questions), k=2)
        assert [h[0].entry_id for h in hits] == [entry.id] * len(entry.questions), entry.id
        assert all(0.0 <= h.score <= 1.0 for row in hits for h in row)


def test_a_sampled_fit_ranks_its_own_variants_as_the_whole_fit(sampled_index, small_index) -> None:  # noqa: F811
    questions = [q for e in SMALL_KB for q in e.questions]
    whole = [h[0].entry_id for h in small_index.search_many(questions)]
    assert [h[0].entry_id for h in sampled_index.search_many(questions)] == whole


def test_a_stored_fit_in_several_parts_loads_as_it_was_made(
        redis_client, encoder, config, sampled_index, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setattr(kb.fit_parts, "PART_BYTES", 1000)  # the variant index spans several list items
    fits = FitStore(redis_client, encoder, config)
    fits.store(sampled_index.fit)
    assert redis_client.llen(kb.fits.fit_key(sampled_index.fit.key)) > 3
    loaded = fits.load()
    assert isinstance(loaded, Fit) and loaded.key == sampled_index.fit.key
    questions = [q for e in SMALL_KB for q in e.questions] + ["where is my parcel"]
    assert RetrievalIndex(loaded, config).search_many(questions) == sampled_index.search_many(questions)
    assert np.array_equal(loaded.classes, sampled_index.fit.classes)
    redis_client.delete(kb.fits.fit_key(sampled_index.fit.key))
    assert fits.load() is None  # gone, not half-read


def test_a_large_kbs_fit_in_several_parts_loads_as_it_was_made(
        redis_client, encoder, config, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setattr(kb.index, "APPROXIMATE_ABOVE", 0)  # fitted as a large KB: two HNSW graphs
    monkeypatch.setattr(kb.fit_parts, "PART_BYTES", 1000)  # each graph spans several list items
    fit = Fit.make(SMALL_KB, encoder, config)
    assert fit.approximate and fit.classes.dtype == np.float16
    fits = FitStore(redis_client, encoder, config)
    fits.store(fit)
    loaded = fits.load()
    assert isinstance(loaded, Fit) and loaded.approximate
    assert loaded.class_index is not None and fit.class_index is not None
    assert loaded.variant_index.ntotal == fit.variant_index.ntotal
    assert loaded.class_index.ntotal == fit.class_index.ntotal
    questions = [q for e in SMALL_KB for q in e.questions] + ["where is my parcel", "hello"]
    assert RetrievalIndex(loaded, config).search_many(questions) == RetrievalIndex(fit, config).search_many(questions)
