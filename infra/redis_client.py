"""The thin Redis client: functions that connect, nothing created at import time.

REDIS_URL names one server or Redis Sentinel (infra.settings.RedisSettings). A Sentinel client
asks the sentinels where the master is whenever it (re)connects, so after a failover the next
command reaches the new master; a command that meets the dead master's connection is retried a
few times, with a short backoff, on a fresh connection. Only connection errors are retried (the
command was not delivered); a timeout is not, since the server may have applied the command.
Longer gaps (the failover itself: the sentinels' down-after time plus an election) are the
callers' outage paths' to bridge, as for a single server that is down.
"""

from __future__ import annotations

from typing import Any

import redis
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry as AsyncRetry
from redis.asyncio.sentinel import Sentinel as AsyncSentinel
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from redis.sentinel import Sentinel

from infra.settings import RedisSettings

# One server: as before. Sentinel: a dead master's port refuses at once, a dead host must not
# stall a turn for long, and a sentinel that does not answer is skipped for the next one quickly.
TIMEOUTS = {"socket_timeout": 5, "socket_connect_timeout": 3}
MASTER_TIMEOUTS = {"socket_timeout": 5, "socket_connect_timeout": 1}
SENTINEL_TIMEOUTS = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
# 3 retries, 0.1 + 0.2 + 0.4 s apart: a stale connection after a failover costs one quick retry.
RETRIES = 3
BACKOFF = {"cap": 0.5, "base": 0.05}


def connect(settings: RedisSettings, **options: Any) -> redis.Redis:
    """A Redis client for `settings` (bytes in and out unless `options` say otherwise)."""
    if not settings.sentinel:
        return redis.Redis.from_url(settings.url, **{**TIMEOUTS, **options})
    sentinel = Sentinel(settings.sentinels, sentinel_kwargs=_sentinel_options(settings))
    return sentinel.master_for(
        settings.service_name, db=settings.db, password=settings.password or None,
        retry=Retry(ExponentialBackoff(**BACKOFF), RETRIES), retry_on_error=[redis.ConnectionError],
        **{**MASTER_TIMEOUTS, **options},
    )


def connect_async(settings: RedisSettings, **options: Any) -> aioredis.Redis:
    """The asyncio client for `settings` (pub/sub in the desk), following a failover like `connect`."""
    if not settings.sentinel:
        return aioredis.from_url(settings.url, **{**TIMEOUTS, **options})
    sentinel = AsyncSentinel(settings.sentinels, sentinel_kwargs=_sentinel_options(settings))
    return sentinel.master_for(
        settings.service_name, db=settings.db, password=settings.password or None,
        retry=AsyncRetry(ExponentialBackoff(**BACKOFF), RETRIES), retry_on_error=[redis.ConnectionError],
        **{**MASTER_TIMEOUTS, **options},
    )


def _sentinel_options(settings: RedisSettings) -> dict[str, Any]:
    return {**SENTINEL_TIMEOUTS, "password": settings.sentinel_password or None}
