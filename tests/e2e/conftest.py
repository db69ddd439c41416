"""The real stack for end-to-end tests: Redis, action server and Rasa, started as `make run` does."""

from __future__ import annotations

import os
import uuid
from typing import Iterator

import pytest
import redis

from infra.redis_client import connect
from infra.settings import load_settings
from infra.stack import Stack
from kb.store import KBStore
from tests.support import Customer, free_port


class RunningStack(Stack):
    """The stack as the tests use it: plus its Redis for `kb` commands and the KB store."""

    def env(self) -> dict[str, str]:
        """The environment a `kb` command needs to reach this stack's Redis."""
        return {**os.environ, "REDIS_URL": self.settings.redis.url}

    def redis(self) -> redis.Redis:
        return connect(self.settings.redis)

    def store(self) -> KBStore:
        return KBStore(self.redis())


@pytest.fixture(scope="session")
def running_stack(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The servers, started once per session on free ports, with a Redis database of their own."""
    settings = load_settings({
        **os.environ,
        "REDIS_URL": redis_url.rsplit("/", 1)[0] + "/1",  # unit tests flush db 0
        "RASA_PORT": str(free_port()), "ACTION_PORT": str(free_port()), "DESK_PORT": str(free_port()),
        "DATA_DIR": str(tmp_path_factory.mktemp("stack")), "RASA_TOKEN": "e2e-" + uuid.uuid4().hex,
    })
    running = RunningStack(settings)
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture
def customer(running_stack: RunningStack) -> Customer:
    """A new customer (own conversation) on the running stack."""
    return Customer(running_stack.rasa_url)
