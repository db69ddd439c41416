"""The stack as the end-to-end tests use it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from bench.clients import free_port
from infra.redis_client import connect
from infra.settings import load_settings
from launcher.stack import Stack
from kb.store import KBStore


class RunningStack(Stack):
    """The stack as the tests use it: plus its Redis for `kb` commands and the KB store."""

    def env(self) -> dict[str, str]:
        """The environment a `kb` command needs to reach this stack's Redis."""
        return {**os.environ, "REDIS_URL": self.settings.redis.url}

    def redis(self) -> redis.Redis:
        return connect(self.settings.redis)

    def store(self) -> KBStore:
        return KBStore(self.redis())


@contextmanager
def started_stack(redis_url: str, data_dir: Path, **env: str) -> Iterator[RunningStack]:
    """A stack started as `make run` does, on free ports, with a data folder and Rasa token of its
    own (`env` adds settings, e.g. REPLICAS); stopped on leaving."""
    settings = load_settings({
        **os.environ, "REDIS_URL": redis_url, "DATA_DIR": str(data_dir),
        "RASA_PORT": str(free_port()), "ACTION_PORT": str(free_port()), "DESK_PORT": str(free_port()),
        # A leading "-", as a generated token may have, must not break anything that reads it.
        "RASA_TOKEN": "-e2e-" + uuid.uuid4().hex, **env,
    })
    running = RunningStack(settings)
    try:
        running.start()
        yield running
    finally:
        running.stop()
