"""What a customer turn runs on in tests: the session's real Redis, a real knowledge base (a small
one, fitted once per session) and a journal in the test's folder; and turns as Rasa's tracker has them.

Imported by tests/conversation/conftest.py and tests/actions/conftest.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import pytest
import redis

from bench.clients import free_port
from conversation.context import Services, TurnInput
from handoff.journal import OutageJournal
from infra.settings import load_settings
from kb.encoder import Encoder
from kb.fits import FitStore
from kb.index import RetrievalIndex
from kb.retrieval_config import RetrievalConfig
from kb.service import KnowledgeBase
from kb.store import KBStore
from tests.small_kb import SMALL_KB, config, encoder  # noqa: F401  (shared fixtures)

SECRET = "test-identity-secret"
T = TypeVar("T")


# The unit tests' small KB without cancel-order, with categories (the handoff summary and the desk's
# skills read them), recognisable answers, and one related link.
CATEGORIES = {"reset-password": "account", "refund-status": "refunds", "payment-methods": "payments",
              "delivery-cost-uk": "delivery", "delivery-cost-europe": "delivery"}
RELATED = {"reset-password": ("refund-status",)}
ENTRIES = [
    replace(e, category=CATEGORIES[e.id], answer=f"The answer to: {e.title}", related=RELATED.get(e.id, ()))
    for e in SMALL_KB if e.id in CATEGORIES
]


@pytest.fixture(scope="session")
def fitted(encoder: Encoder, config: RetrievalConfig) -> RetrievalIndex:
    return RetrievalIndex.build(ENTRIES, encoder, config)


def settings_env(redis_url: str, data_dir: Path) -> dict[str, str]:
    """The environment the action server would have, on the test's Redis and folder."""
    return {"REDIS_URL": redis_url, "DATA_DIR": str(data_dir), "IDENTITY_SECRET": SECRET}


@pytest.fixture
def services(
    redis_client: redis.Redis, redis_url: str, tmp_path: Path, encoder: Encoder, config: RetrievalConfig,
    fitted: RetrievalIndex,
) -> Iterator[Services]:
    """A turn's services on the test's Redis, with the small KB stored and its fit shared."""
    FitStore(redis_client, encoder, config).store(fitted.fit)
    KBStore(redis_client).save(ENTRIES)
    kb = KnowledgeBase(KBStore(redis_client), encoder, config)
    settings = load_settings(settings_env(redis_url, tmp_path))
    yield Services(settings, redis_client, kb, OutageJournal(tmp_path / "outage-journal.jsonl"), SECRET)
    kb.close()


@pytest.fixture
def redis_down(services: Services, encoder: Encoder, config: RetrievalConfig) -> Iterator[Services]:
    """The same services with Redis unreachable (a port nothing listens on)."""
    down = redis.Redis(port=free_port(), socket_connect_timeout=0.5)
    kb = KnowledgeBase(KBStore(down), encoder, config)
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
