"""Which agents are online: each open desk page sends a heartbeat."""

from __future__ import annotations

import time

import redis

AGENTS_KEY = "desk:online"  # sorted set: agent name -> last heartbeat
ONLINE_WINDOW_SECONDS = 45


def heartbeat(client: redis.Redis, agent: str) -> None:
    """Mark `agent` online now."""
    client.zadd(AGENTS_KEY, {agent: time.time()})


def go_offline(client: redis.Redis, agent: str) -> None:
    """Mark `agent` offline (logout)."""
    client.zrem(AGENTS_KEY, agent)


def online_agents(client: redis.Redis) -> list[str]:
    """Agents whose last heartbeat is recent."""
    return [a.decode() for a in client.zrangebyscore(AGENTS_KEY, time.time() - ONLINE_WINDOW_SECONDS, "+inf")]
