"""KnowledgeBase on a real Redis: fits shared between processes (two instances stand for two
replicas), edits patched in at once, refits done once in the background and adopted by all."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from tests.small_kb import SMALL_KB, config, encoder, make_entry, small_index  # noqa: F401  (shared fixtures)

import kb.fits
from kb.entry import Entry
from kb.fits import FitStore
from kb.index import Fit
from kb.service import KnowledgeBase
from kb.store import KBStore, fingerprint

GIFT_CARDS = make_entry("gift-cards", "Do you sell gift cards?", [
    "Can I buy a gift card?", "Do you have gift vouchers?", "How do I redeem a gift card?",
])


def eventually(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.05)


@pytest.fixture
def fits_made(monkeypatch) -> list[int]:
    """How many entries each fit made in this test had (the real fit runs)."""
    made: list[int] = []
    real = Fit.make
    def counted(entries: list[Entry], *args: object) -> Fit:
        made.append(len(entries))
        return real(entries, *args)
    monkeypatch.setattr(Fit, "make", counted)
    return made


@pytest.fixture
def knowledge_base(redis_client, encoder, config) -> Iterator[Callable[..., KnowledgeBase]]:  # noqa: F811
    """`knowledge_base(refit_after=...)`: a KnowledgeBase on the test's Redis (closed afterwards)."""
    made: list[KnowledgeBase] = []

    def make(**options: float) -> KnowledgeBase:
        made.append(KnowledgeBase(KBStore(redis_client), encoder, config, **options))
        return made[-1]
    yield make
    for instance in made:
        instance.close()


@pytest.fixture
def stored(redis_client, encoder, config, small_index) -> KBStore:  # noqa: F811
    """The small KB in Redis with its fit stored, as a running deployment has them."""
    FitStore(redis_client, encoder, config).store(small_index.fit)
    store = KBStore(redis_client)
    store.save(SMALL_KB)
    return store


def test_a_stored_fit_is_loaded_not_refitted(stored, knowledge_base, small_index, fits_made) -> None:  # noqa: F811
    result = knowledge_base().ask("I can't remember my login password")
    assert fits_made == []
    assert list(result.hits) == small_index.search("I can't remember my login password")
    assert result.decision.kind == "answer" and result.entries["reset-password"] == SMALL_KB[0]


def test_one_fit_serves_two_processes(redis_client, knowledge_base, fits_made) -> None:
    KBStore(redis_client).save(SMALL_KB)
    first, second = knowledge_base(), knowledge_base()
    results: dict[str, object] = {}
    askers = [threading.Thread(target=lambda kb=kb, name=name: results.update({name: kb.ask("cancel my order")}))
              for name, kb in (("first", first), ("second", second))]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join(timeout=300)
    assert fits_made == [len(SMALL_KB)]  # one fitted, the other waited for it and loaded it
    assert results["first"].hits == results["second"].hits
    assert results["first"].hits[0].entry_id == "cancel-order"


def test_edits_are_answered_at_once_and_a_deleted_entry_is_never_shown(stored, knowledge_base, fits_made) -> None:
    kb = knowledge_base()
    kb.ask("warm up")
    store = stored
    refunds = store.get("refund-status")
    store.save_entry(dataclasses.replace(refunds, answer="Refunds now take one day."), fingerprint(refunds))
    assert kb.ask("When will I get my refund?").entries["refund-status"].answer == "Refunds now take one day."

    store.delete_entry("payment-methods", fingerprint(store.get("payment-methods")))
    assert "payment-methods" not in [h.entry_id for h in kb.ask("Can I pay with PayPal?", k=10).hits]

    store.save_entry(GIFT_CARDS, "")
    eventually(lambda: kb.ask("I'd like to buy a voucher as a present").hits[0].entry_id == "gift-cards", 5,
               "the added entry is found")
    assert fits_made == []  # patched in with the stored fit's model, no refit yet


def test_a_burst_of_edits_is_refitted_once_and_adopted_by_every_process(
        stored, knowledge_base, fits_made, redis_client, encoder, config) -> None:  # noqa: F811
    replicas = [knowledge_base(refit_after=1.0), knowledge_base(refit_after=1.0)]
    for replica in replicas:
        replica.ask("warm up")
    answers: list[list[str]] = []
    errors: list[BaseException] = []
    asking = threading.Event()

    def ask_throughout() -> None:
        # A customer asking while the KB changes and is refitted: every answer comes from a
        # complete index and names only entries that exist.
        while not asking.is_set():
            try:
                result = replicas[0].ask("Can I pay with PayPal?", k=10)
                answers.append([h.entry_id for h in result.hits])
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)
    asker = threading.Thread(target=ask_throughout)
    asker.start()
    try:
        store = stored
        store.save_entry(GIFT_CARDS, "")
        store.delete_entry("payment-methods", fingerprint(store.get("payment-methods")))
        deleted_at = len(answers) + 1  # the question in flight may have read the entries before
        extra = make_entry("store-hours", "When are your shops open?",
                           ["What are your opening hours?", "Are you open on Sunday?"])
        store.save_entry(extra, "")
        wanted = FitStore(redis_client, encoder, config).key_for(list(store.snapshot().entries.values()))
        eventually(lambda: all(kb.fit_key() == wanted for kb in replicas), 300, "both replicas serve the new fit")
    finally:
        asking.set()
        asker.join()
    assert fits_made == [len(SMALL_KB) + 1]  # one fit for the burst, by one replica
    assert not errors
    assert len(answers) > deleted_at + 10
    assert not any("payment-methods" in ids for ids in answers[deleted_at:])
    for replica in replicas:
        assert replica.ask("What are your opening hours?").hits[0].entry_id == "store-hours"


def test_the_fit_lock_is_kept_while_a_long_fit_runs(redis_client, monkeypatch) -> None:
    monkeypatch.setattr(kb.fits, "LOCK_LEASE", 0.3)
    lock = kb.fits.fit_lock(redis_client)
    assert lock.acquire(blocking=False)
    with kb.fits.kept(lock):
        time.sleep(1.0)  # three leases
        assert lock.owned() and not kb.fits.fit_lock(redis_client).acquire(blocking=False)
    lock.release()


def test_while_another_process_fits_a_replica_waits_for_its_fit_instead_of_asking_again(
        stored, knowledge_base, redis_client, monkeypatch) -> None:
    tries: list[float] = []
    real = FitStore.fit_once
    def counted(fits: FitStore, entries: list[Entry]) -> Fit | None:
        tries.append(time.monotonic())
        return real(fits, entries)
    monkeypatch.setattr(FitStore, "fit_once", counted)
    elsewhere = kb.fits.fit_lock(redis_client)
    assert elsewhere.acquire(blocking=False)  # another process is fitting
    replica = knowledge_base(refit_after=1.0)
    replica.ask("hello")
    stored.save_entry(GIFT_CARDS, "")
    eventually(lambda: len(tries) >= 1, 10, "a refit tried")
    time.sleep(2.5)
    assert len(tries) <= 3  # after each refusal, the quiet delay again (not every 0.2 s poll)
    elsewhere.release()
