"""Shared fixtures: a real redis-server per test session, flushed around each test."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Iterator

import pytest
import redis

from infra.redis_server import start_redis
from bench.clients import free_port


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/e2e/ is marked e2e (it starts the real stack)."""
    for item in items:
        if "e2e" in Path(str(item.fspath)).parts:
            item.add_marker(pytest.mark.e2e)


class RedisServer:
    """The test session's real redis-server (persistent, so a stop and start keeps its data)."""

    def __init__(self, port: int, data_dir: Path) -> None:
        self.port = port
        self.data_dir = data_dir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://localhost:{self.port}/0"

    def start(self) -> None:
        self.process = start_redis(self.port, self.data_dir)

    def stop(self) -> None:
        """Shut it down (an outage, for the tests that show what customers see then)."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A real redis-server started for this test session."""
    server = RedisServer(free_port(), tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_url(redis_server: RedisServer) -> str:
    return redis_server.url


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    """A client of the session's Redis, empty at the start of each test."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()
