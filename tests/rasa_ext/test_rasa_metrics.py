"""The Rasa process's metrics (rasa_ext/metrics.py): messages and their reply times by channel, and
the outage state read at each scrape. Pure Python and redis-py, so tested from the app's environment."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from prometheus_client import REGISTRY
from redis.backoff import NoBackoff
from redis.retry import Retry

from bench.clients import free_port
from rasa_ext.held_journal import HeldJournal
from rasa_ext.metrics import OutageState, handling


def values(state: OutageState) -> dict[str, float]:
    return {sample.name: sample.value for family in state.collect() for sample in family.samples}


def sample(name: str, channel: str) -> float:
    return REGISTRY.get_sample_value(name, {"channel": channel}) or 0.0


def test_a_message_is_counted_and_timed_and_a_failed_one_counted_apart():
    before = {name: sample(name, "rest") for name in
              ("support_messages_total", "support_reply_seconds_count", "support_message_failures_total")}
    with handling("rest"):
        pass
    with pytest.raises(RuntimeError), handling("rest"):
        raise RuntimeError("the action server broke")
    assert sample("support_messages_total", "rest") == before["support_messages_total"] + 2
    assert sample("support_reply_seconds_count", "rest") == before["support_reply_seconds_count"] + 1
    assert sample("support_message_failures_total", "rest") == before["support_message_failures_total"] + 1


def test_held_journals_show_until_written_back_and_redis_reachability(tmp_path: Path, redis_url: str):
    state = OutageState(tmp_path / "rasa-held", redis.Redis.from_url(redis_url))
    assert values(state) == {"support_redis_up": 1.0, "support_held_journals": 0.0, "support_held_journal_bytes": 0.0}
    journal = HeldJournal(tmp_path / "rasa-held")
    journal.append("customer-1", '{"events": []}')
    held = values(state)
    assert held["support_held_journals"] == 1 and held["support_held_journal_bytes"] > 0
    journal.clear()
    assert values(state)["support_held_journals"] == 0
    unreachable = OutageState(tmp_path, redis.Redis(port=free_port(), retry=Retry(NoBackoff(), 0)))
    assert values(unreachable)["support_redis_up"] == 0
