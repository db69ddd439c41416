"""The stack as the end-to-end tests use it."""

from __future__ import annotations

import os

import redis

from infra.redis_client import connect
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
