"""Shared fixtures: a real redis-server per test session, flushed around each test."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Iterator

import pytest
import redis

from infra.redis_server import start_redis
from tests.support import free_port


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/e2e/ is marked e2e (it starts the real stack)."""
    for item in items:
        if "e2e" in Path(str(item.fspath)).parts:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server started for this test session."""
    port = free_port()
    process: subprocess.Popen = start_redis(port, tmp_path_factory.mktemp("redis"))
    yield f"redis://localhost:{port}/0"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    """A client of the session's Redis, empty at the start of each test."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()
