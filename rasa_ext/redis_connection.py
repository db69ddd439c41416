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
from redis.exceptions import RedisError
from redis.sentinel import SentinelConnectionPool

from infra.redis_client import connect
from infra.settings import RedisSettings

# How long a write waits for a replica to acknowledge it (Sentinel only; locally it takes well
# under a millisecond, so this is paid only while no replica is in sync).
REPLICA_WAIT_MS = 200


class NotReplicated(RedisError):
    """No replica acknowledged a write in time: a failover now could lose it, as if it had failed."""


def client(url: str | None = None, **options: Any) -> redis.Redis:
    """A client of `url` (default: REDIS_URL, set by launcher.stack); `options` as redis.Redis's,
    such as decode_responses=True for Rasa's tracker store."""
    return connect(RedisSettings(url or os.environ.get("REDIS_URL") or "redis://localhost:6379/0"), **options)


def confirm_replicated(red: redis.Redis) -> None:
    """With Sentinel, return once a replica has the writes just made through `red` (WAIT 1);
    raise NotReplicated if none has them within REPLICA_WAIT_MS. A single server: nothing to do.

    Redis replicates asynchronously, so an acknowledged write can die with the master. WAIT counts
    the writes of its own connection: call this right after the write, from the same thread (the
    pool hands a thread back the connection it just released).
    """
    if isinstance(red.connection_pool, SentinelConnectionPool) and red.wait(1, REPLICA_WAIT_MS) < 1:
        raise NotReplicated(f"no replica acknowledged the write within {REPLICA_WAIT_MS} ms")
