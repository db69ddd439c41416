"""The action server registers every action of the domain and warms up without failing on Redis."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa_sdk.executor import ActionExecutor

from actions.server import warm_up
from bench.clients import free_port
from tests.actions.conftest import CACHED

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"


def test_every_action_of_the_domain_is_registered() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    assert sorted(executor.actions) == sorted(yaml.safe_load(DOMAIN.read_text())["actions"])


def test_warm_up_with_redis_unreachable_is_logged_not_fatal(monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    monkeypatch.setenv("REDIS_URL", f"redis://localhost:{free_port()}/0")
    for cached in CACHED:
        cached.cache_clear()
    try:
        warm_up()
    finally:
        for cached in CACHED:
            cached.cache_clear()
    assert any("Warm-up skipped" in r.getMessage() for r in caplog.records)
