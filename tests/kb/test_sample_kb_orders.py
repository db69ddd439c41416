"""The sample KB answers late and missing orders, order changes (items, address, delivery date,
before and after dispatch) and cancellation after dispatch directly: customers' own wordings (none of them an entry's question variant) asked of the real
KnowledgeBase over Redis, loaded from kb/content as the stack loads it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from test_index import config, encoder  # noqa: F401  (shared fixtures)

from kb.files import read_raw_entries
from kb.service import KnowledgeBase
from kb.store import KBStore
from kb.validate import validate

SAMPLE_KB = Path(__file__).resolve().parents[2] / "kb" / "content"

# Entry id -> what customers write (short, long, with typos), each to be answered by that entry.
ASKED = {
    "late-order": [
        "my order hasn't arrived yet, it's been over a week",
        "still waiting for my parcel, it was meant to come on monday",
        "hi, ordered a lamp 8 days ago and nothing has turned up",
        "why is my delivery so late??",
        "hello, my parcel was due on tuesday and it's now thursday, still nothing",
        "the tracking hasn't moved since friday, has my parcel been lost?",
        "is my order lost? no updates on tracking since last week",
        "my order hasn't even been sent yet and I ordered 4 days ago",
        "still waiting on my delivery",
    ],
    "parcel-delivered-not-received": [
        "tracking shows delivered but I've got nothing",
        "the app says delivered but my parcel is nowhere to be found",
    ],
    "missing-item": [
        "half my order is missing, only got the duvet",
    ],
    "change-order": [
        "can I change the size on my order? I only placed it 20 minutes ago",
        "I made a mistake in my order, can you change it before it's sent",
        "can I change what's in my order? I want a different colour",
        "can I add another cushion to the order I placed this morning",
        "I want to remove an item from my order",
    ],
    "change-delivery-address": [
        "I need to change the address on my order, it's already been shipped",
        "ive moved, can you send my order to my new address instead",
    ],
    "change-delivery-date": [
        "can I change the delivery date for my sofa",
        "I won't be in on the delivery day, can we rearrange",
        "can my wardrobe delivery be moved to next saturday",
        "is it possible to delay my delivery by a couple of weeks",
    ],
    "cancel-order": [
        "my order has been dispatched but I don't want it anymore, can I cancel?",
        "too late to cancel? it says dispatched",
        "I want to cancel, but the parcel is already with the courier",
        "my order got shipped even though I asked to cancel it",
        "is it too late to cancel? it left the warehouse yesterday",
    ],
}
CASES = [(entry_id, question) for entry_id, questions in ASKED.items() for question in questions]


def normalised(text: str) -> str:
    return " ".join(text.lower().split())


@pytest.fixture(scope="module")
def sample_kb(redis_url, encoder, config) -> Iterator[KnowledgeBase]:  # noqa: F811
    """The sample KB in the test Redis (db 0, flushed before and after), asked as the bot asks it."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    entries, problems = validate(read_raw_entries(SAMPLE_KB))
    assert problems == []
    KBStore(client).save(entries)
    knowledge_base = KnowledgeBase(KBStore(client), encoder, config)
    yield knowledge_base
    knowledge_base.close()
    client.flushdb()


def test_the_wordings_are_customers_own_not_question_variants(sample_kb) -> None:
    variants = {normalised(q) for entry_id in ASKED for q in sample_kb.entry(entry_id).questions}
    assert not [q for _, q in CASES if normalised(q) in variants]


@pytest.mark.parametrize(("entry_id", "question"), CASES)
def test_a_customers_own_wording_is_answered_directly_by_its_entry(sample_kb, entry_id, question) -> None:
    result = sample_kb.ask(question)
    assert result.decision.kind == "answer", (question, result.hits[:3])
    assert result.decision.hits[0].entry_id == entry_id, (question, result.hits[:3])
