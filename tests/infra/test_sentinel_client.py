"""Clients of a redis+sentinel:// URL follow a failover: real master, replica and sentinel."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from infra.redis_client import connect, connect_async
from infra.settings import RedisSettings
from rasa_ext.redis_connection import NotReplicated, client, confirm_replicated
from tests.infra.sentinel_cluster import SentinelCluster, running_cluster
from tests.support import wait_for


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SentinelCluster]:
    with running_cluster(Path(tmp_path_factory.mktemp("sentinel"))) as started:
        yield started


def answers(probe: redis.Redis) -> bool:
    try:
        return probe.get("before") == b"failover"
    except redis.ConnectionError:
        return False


def confirmed_write(red: redis.Redis, key: str, value: str) -> bool:
    """Write, and whether a replica acknowledged it within confirm_replicated's 200 ms (on a loaded
    test machine a replica's first acknowledgement can come later)."""
    red.set(key, value)
    try:
        confirm_replicated(red)
    except NotReplicated:
        return False
    return True


def test_every_client_reaches_the_new_master_after_the_old_one_is_killed(cluster: SentinelCluster):
    settings = RedisSettings(cluster.url(db=3))
    app, rasa = connect(settings), client(cluster.url(db=3), decode_responses=True)
    wait_for(lambda: confirmed_write(app, "before", "failover"), "a write on the replica before the kill",
             timeout=30, every=0.1)
    killed = cluster.kill_master()
    with pytest.raises(redis.ConnectionError):
        app.get("before")  # during the failover window: an error the caller's outage path handles
    cluster.promote(killed)
    wait_for(lambda: answers(app), "the same client answers from the new master", timeout=30, every=0.1)
    assert cluster.master_port() != killed
    app.rpush("after", "1")
    assert rasa.lrange("after", 0, -1) == ["1"] and rasa.get("before") == "failover"

    async def async_client() -> tuple[bytes | None, int]:
        desk = connect_async(settings)
        try:
            return await desk.get("before"), await desk.publish("channel", "x")
        finally:
            await desk.aclose()

    assert asyncio.run(async_client())[0] == b"failover"
    with pytest.raises(NotReplicated):
        confirm_replicated(rasa)  # the new master has no replica yet: the write is not safe
    cluster.rejoin(killed)  # the killed server is back, as a replica of the new master
    assert app.get("before") == b"failover"
    wait_for(lambda: confirmed_write(rasa, "confirmed", "yes"), "a write confirmed by the rejoined replica",
             timeout=30, every=0.1)


def test_a_single_server_needs_no_confirmation(redis_url: str):
    confirm_replicated(client(redis_url))  # nothing to wait for: returns at once
