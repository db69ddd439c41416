"""Fits made in a child process (kb.fitter) and stored part by part (kb.fits): the fit is the one
made in-process, a failed or orphaned child leaves nothing half-made."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from tests.small_kb import SMALL_KB, config, encoder, small_index  # noqa: F401  (shared fixtures)

import kb.fitter
import kb.fits
from kb.fitter import COMMAND, send_job
from kb.fits import LATEST_KEY, LOCK_KEY, FitStore, fit_key
from kb.index import Fit, RetrievalIndex

QUESTIONS = [q for e in SMALL_KB for q in e.questions] + ["where is my parcel", "I want my money back"]


def test_a_fit_made_in_a_child_process_is_the_one_made_in_process(
        redis_client, encoder, config, small_index, monkeypatch) -> None:  # noqa: F811
    def not_here(*args: object) -> Fit:
        raise AssertionError("fitted in the asking process")
    monkeypatch.setattr(Fit, "make", not_here)  # the child process is not affected
    fit = FitStore(redis_client, encoder, config, apart_above=0).fit_once(SMALL_KB)
    assert fit is not None and fit.key == small_index.fit.key
    assert redis_client.get(LATEST_KEY) == fit.key.encode()
    assert not redis_client.exists(LOCK_KEY)
    made_apart = RetrievalIndex(fit, config).search_many(QUESTIONS)
    made_here = small_index.search_many(QUESTIONS)
    assert [[h.entry_id for h in row] for row in made_apart] == [[h.entry_id for h in row] for row in made_here]
    assert [h.score for row in made_apart for h in row] == pytest.approx(
        [h.score for row in made_here for h in row], abs=1e-4)


def test_a_child_that_dies_stores_nothing_and_frees_the_lock(redis_client, encoder, config, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setattr(kb.fitter, "COMMAND", [sys.executable, "-c", "import sys; sys.stdin.buffer.read(8); sys.exit(3)"])
    fits = FitStore(redis_client, encoder, config, apart_above=0)
    with pytest.raises(RuntimeError, match="exit code 3"):
        fits.fit_once(SMALL_KB)
    assert fits.latest_key() is None and redis_client.keys("kb:fit:*") == []


def test_a_store_cut_short_leaves_the_previous_fit_serving(redis_client, encoder, config, small_index) -> None:  # noqa: F811
    fits = FitStore(redis_client, encoder, config)
    fits.store(small_index.fit)

    def cut_short() -> Iterator[bytes]:
        yield b"first part"
        raise RuntimeError("the fitting process died")
    with pytest.raises(RuntimeError):
        fits._store_parts("newer", cut_short())
    assert fits.latest_key() == small_index.fit.key
    loaded = fits.load()
    assert loaded is not None and loaded.key == small_index.fit.key
    assert not redis_client.exists(fit_key("newer"))
    assert 0 < redis_client.ttl(f"{fit_key('newer')}:making") <= kb.fits.MAKING_TTL


def test_a_child_whose_parent_is_gone_exits_without_fitting(encoder, config) -> None:  # noqa: F811
    child = subprocess.Popen(COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert child.stdin is not None and child.stdout is not None
    send_job(child.stdin, SMALL_KB, encoder, config)
    child.stdin.close()  # as when the parent dies
    assert child.wait(timeout=60) == 1  # a fit would have ended with 0
    assert child.stdout.read() == b""  # not a part sent
    child.stdout.close()
