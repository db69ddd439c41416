"""Taking over what Rasa kept while the action server was down: nothing lost, nothing applied twice."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from actions import runtime
from actions.outage import replay_journal, take_over_actions_down
from handoff import outage_replay
from handoff.outage_replay import ACTIONS_DOWN_KEY, TAKE_OVER_LOCK_KEY, TAKING_KEY, UNREADABLE_KEY
from handoff.queue import HandoffQueue
from handoff.records import PRIORITY_NORMAL, Line
from handoff.summary import Summary

TICKET = "TXAAAAAA"
CACHED = (runtime.settings, runtime.redis_client, runtime.outage_journal, runtime.knowledge_base, runtime.secret)


@pytest.fixture
def queue(redis_client: redis.Redis, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HandoffQueue]:
    """The action server's runtime on the test Redis and a fresh journal, with one ticket waiting."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("EMBEDDING_MODEL", "unused")  # line records need no model
    for cached in CACHED:
        cached.cache_clear()
    handoffs = HandoffQueue(redis_client)
    handoffs.create([Line("customer", "I want a person")], as_ticket=True, ticket=TICKET, sender_id="s1",
                    channel="rest", customer={}, priority=PRIORITY_NORMAL, reasons=[], summary=Summary())
    yield handoffs
    for cached in CACHED:
        cached.cache_clear()


def kept(client: redis.Redis, *texts: str) -> None:
    """Push records as rasa_ext.action_outage does: a message for the ticket, each with its id."""
    for text in texts:
        record = {"id": uuid.uuid4().hex, "at": time.time(), "sender_id": "s1", "op": "line",
                  "ticket": TICKET, "message": {"text": text, "metadata": {}}}
        client.rpush(ACTIONS_DOWN_KEY, json.dumps(record))


def said(queue: HandoffQueue) -> list[str]:
    return [line.text for line in queue.transcript(TICKET)]


class Paused:
    """Makes the first record journalled by the thread named `who` wait until `go` is set."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, who: str) -> None:
        self.holding, self.go = threading.Event(), threading.Event()
        real = outage_replay.journal_kept

        def journal_kept(journal: Any, secret: str, entry: dict[str, Any]) -> None:
            real(journal, secret, entry)  # journalled, not yet dropped from `:taking`: the window of the race
            if threading.current_thread().name == who and not self.holding.is_set():
                self.holding.set()
                assert self.go.wait(10)

        monkeypatch.setattr(outage_replay, "journal_kept", journal_kept)


def taker(client: redis.Redis, results: list[int]) -> threading.Thread:
    return threading.Thread(target=lambda: results.append(take_over_actions_down(client)), name="A")


def test_a_second_taker_waits_while_the_first_holds_the_lock(queue, redis_client, monkeypatch):
    kept(redis_client, "one", "two", "three")
    paused, results = Paused(monkeypatch, "A"), []
    first = taker(redis_client, results)
    first.start()
    assert paused.holding.wait(10)
    assert take_over_actions_down(redis_client) == 0  # replica B, while A is mid-record
    paused.go.set()
    first.join(10)
    assert results == [3]
    assert replay_journal() == 3
    assert said(queue) == ["I want a person", "one", "two", "three"]
    assert not redis_client.exists(ACTIONS_DOWN_KEY, TAKING_KEY, UNREADABLE_KEY, TAKE_OVER_LOCK_KEY)


def test_takers_whose_lock_lapsed_lose_nothing_and_apply_each_message_once(queue, redis_client, monkeypatch):
    kept(redis_client, "one", "two", "three")
    paused, results = Paused(monkeypatch, "A"), []
    first = taker(redis_client, results)
    first.start()
    assert paused.holding.wait(10)  # A has journalled "one" and stalls before dropping it
    redis_client.delete(TAKE_OVER_LOCK_KEY)  # as its expiry would
    assert take_over_actions_down(redis_client) == 3  # B: "one" (left in `:taking`), "two", "three"
    paused.go.set()
    first.join(10)
    assert results == [1]  # A finished "one" and stopped: its lock was gone
    assert len(runtime.outage_journal().records()) == 4  # "one" journalled twice, under one id
    replay_journal()
    assert said(queue) == ["I want a person", "one", "two", "three"]
    assert not redis_client.exists(ACTIONS_DOWN_KEY, TAKING_KEY, UNREADABLE_KEY)


def test_what_a_dead_taker_left_is_taken_over_by_the_next(queue, redis_client):
    kept(redis_client, "one", "two")
    redis_client.lmove(ACTIONS_DOWN_KEY, TAKING_KEY, "LEFT", "RIGHT")  # moved, then the process died
    assert take_over_actions_down(redis_client) == 2
    replay_journal()
    assert said(queue) == ["I want a person", "one", "two"]


def test_a_poison_record_is_set_aside_and_the_rest_and_the_journal_replay_go_on(queue, redis_client, caplog):
    runtime.outage_journal().write("line", TICKET, line=Line("customer", "during the Redis outage").to_dict())
    kept(redis_client, "before")
    deep = "[" * 100_000 + "]" * 100_000  # json.loads raises RecursionError: no ValueError
    not_a_message = json.dumps({"id": "x", "op": "line", "ticket": TICKET, "at": 0, "message": ["text"]})
    redis_client.rpush(ACTIONS_DOWN_KEY, deep, not_a_message)
    kept(redis_client, "after")
    assert replay_journal() == 3
    assert said(queue) == ["I want a person", "during the Redis outage", "before", "after"]
    assert redis_client.lrange(UNREADABLE_KEY, 0, -1) == [deep.encode(), not_a_message.encode()]
    assert not redis_client.exists(ACTIONS_DOWN_KEY, TAKING_KEY)
    unreadable = [r.getMessage() for r in caplog.records if UNREADABLE_KEY in r.getMessage()]
    assert len(unreadable) == 2 and "RecursionError" in unreadable[0]
    assert all("\n" not in message for message in unreadable)  # one line each
