"""The one way Rasa's process connects to Redis: from REDIS_URL, one server or Redis Sentinel.

The tracker and lock stores (named in endpoints.yml, which passes them `redis_url`) and the
action-outage fallback all build their client here, so all of them follow a Sentinel failover
(infra.redis_client). infra.settings and infra.redis_client need only the stdlib and redis-py,
which Rasa's venv has; nothing else of infra is imported here.
"""

from __future__ import annotations

import os
from typing import Any

import redis

from infra.redis_client import connect
from infra.settings import RedisSettings


def client(url: str | None = None, **options: Any) -> redis.Redis:
    """A client of `url` (default: REDIS_URL, set by launcher.stack); `options` as redis.Redis's,
    such as decode_responses=True for Rasa's tracker store."""
    return connect(RedisSettings(url or os.environ.get("REDIS_URL") or "redis://localhost:6379/0"), **options)
