"""The publish gate on a real Redis with the small KB's stored fit: what an edit would change, before it does."""

from __future__ import annotations

import dataclasses

import pytest
import redis
from tests.small_kb import SMALL_KB, config, encoder, small_index  # noqa: F401  (shared fixtures)

from kb.fits import FitStore
from kb.gate import Gate, describe, report_lines
from kb.golden import GoldenStore
from kb.index import Fit
from kb.store import KBStore

CANCEL = SMALL_KB[1]
REFUND = SMALL_KB[2]
# A customer's wording that cancel-order answers, and "Where is my refund?" given it as a variant:
# the question goes from an answer to a choice between the two.
GOLDEN = "I'd like to call off my order"
STEALING = dataclasses.replace(REFUND, questions=REFUND.questions + ("I changed my mind about my purchase", GOLDEN))


@pytest.fixture
def stored(redis_client, encoder, config, small_index) -> KBStore:  # noqa: F811
    """The small KB in Redis with its fit stored, as a running deployment has them."""
    FitStore(redis_client, encoder, config).store(small_index.fit)
    store = KBStore(redis_client)
    store.save(SMALL_KB)
    GoldenStore(redis_client).add(GOLDEN, CANCEL.id, "carl")
    return store


@pytest.fixture(scope="module")
def shared_gate(redis_url, encoder, config) -> Gate:  # noqa: F811
    """One gate for the module, as a desk keeps one: the fit is loaded and the questions encoded once."""
    return Gate(KBStore(redis.Redis.from_url(redis_url)), encoder, config)


@pytest.fixture
def gate(stored, shared_gate, monkeypatch) -> Gate:
    """The gate, which may never refit (the point: it patches the change into the shared fit)."""
    monkeypatch.setattr(Fit, "make", lambda *_: pytest.fail("the gate refitted"))
    return shared_gate


def test_a_variant_that_steals_another_entrys_question_is_named(stored, gate):
    snapshot = stored.snapshot()
    report = gate.check(snapshot, {**snapshot.entries, REFUND.id: STEALING})
    [stolen] = [c for c in report.changes if c.question.text == GOLDEN]
    assert stolen.question.golden and stolen.question.expected == CANCEL.id
    assert (stolen.before.kind, stolen.before.entry) == ("answer", CANCEL.id)
    assert stolen.after.kind == "clarify" and REFUND.id in stolen.after.choices
    assert report.version == snapshot.version and report.checked == sum(len(e.questions) for e in SMALL_KB) + 1
    printed = "\n".join(report_lines(report))
    assert f"{GOLDEN!r} (golden question for cancel-order): cancel-order -> clarify (" in printed
    assert report.to_json()[0]["question"] == report.changes[0].question.text
    assert stored.get(REFUND.id) == REFUND  # checking changes nothing


def test_an_edit_that_moves_no_question_passes_and_an_answer_edit_is_not_even_searched(stored, gate):
    snapshot = stored.snapshot()
    extra = dataclasses.replace(REFUND, questions=REFUND.questions + ("Is my money back yet?",))  # its own topic
    assert gate.check(snapshot, {**snapshot.entries, REFUND.id: extra}).changes == ()
    answer_only = dataclasses.replace(REFUND, answer="Refunds take 5 days.")
    assert gate.check(snapshot, {**snapshot.entries, REFUND.id: answer_only}).changes == ()


def test_a_deleted_entry_lists_its_questions_and_a_confirmation_token_is_per_report(stored, gate):
    snapshot = stored.snapshot()
    without = {i: e for i, e in snapshot.entries.items() if i != CANCEL.id}
    report = gate.check(snapshot, without)
    assert {c.question.text for c in report.changes} >= {"How do I cancel my order?"}
    assert all(c.after.entry != CANCEL.id for c in report.changes)
    again = gate.check(snapshot, without)
    assert again.token() == report.token()
    assert gate.check(snapshot, {**snapshot.entries, REFUND.id: STEALING}).token() != report.token()


def test_without_a_stored_fit_nothing_is_checked_and_it_says_so(redis_client, encoder, config):  # noqa: F811
    store = KBStore(redis_client)
    store.save(SMALL_KB)
    snapshot = store.snapshot()
    report = Gate(store, encoder, config).check(snapshot, {**snapshot.entries, REFUND.id: STEALING})
    assert not report.fitted and report.changes == ()
    assert "not checked" in report_lines(report)[0]


def test_a_question_tried_against_a_draft_shows_both_decisions(stored, gate):
    snapshot = stored.snapshot()
    trial = gate.trial(snapshot, {**snapshot.entries, REFUND.id: STEALING}, GOLDEN)
    assert trial.live.kind == "answer" and trial.live.entry == CANCEL.id
    assert trial.draft.kind == "clarify" and REFUND.id in trial.draft.choices
    assert trial.live_hits[0].entry_id == CANCEL.id and 0 < trial.live_hits[0].score <= 1
    assert describe(trial.live, {CANCEL.id: CANCEL.title}) == CANCEL.title
