"""The thin Redis client: one function that connects, nothing created at import time."""

from __future__ import annotations

import redis

from infra.settings import RedisSettings


def connect(settings: RedisSettings) -> redis.Redis:
    """A Redis client for `settings`; bytes in and out, short timeouts so an outage shows fast."""
    return redis.Redis.from_url(settings.url, socket_timeout=5, socket_connect_timeout=3)
