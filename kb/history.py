"""Earlier versions of entries changed or deleted in the desk's editor, so nothing is lost.

Written by KBStore in the same transaction as the change: `kb:history:{id}` keeps the last
KEEP_VERSIONS versions before each edit or deletion (newest first); `kb:deleted` names the
deleted entries with when. `kb:published` keeps the confirmations of changes published although
the publish gate (kb.gate) showed they would change answers, with the version each made.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Literal

import redis

from kb.entry import Entry

KEEP_VERSIONS = 20
DELETED_KEY = "kb:deleted"  # sorted set: entry id -> when it was deleted
Action = Literal["edited", "deleted"]


def history_key(entry_id: str) -> str:
    return f"kb:history:{entry_id}"


@dataclass(frozen=True)
class Version:
    """An entry as it was before someone edited or deleted it."""

    entry: Entry
    action: Action
    by: str
    at: float


def keep_version(pipe: redis.client.Pipeline, previous: bytes, action: Action, by: str) -> None:
    """Queue, in `pipe`'s transaction, the entry's version before `action`."""
    entry = Entry.from_dict(json.loads(previous))
    key = history_key(entry.id)
    pipe.lpush(key, json.dumps({"entry": entry.to_dict(), "action": action, "by": by, "at": time.time()}))
    pipe.ltrim(key, 0, KEEP_VERSIONS - 1)
    if action == "deleted":
        pipe.zadd(DELETED_KEY, {entry.id: time.time()})


class EntryHistory:
    """Reads earlier versions and deleted entries."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def versions(self, entry_id: str) -> list[Version]:
        """The entry's earlier versions, newest first."""
        rows = (json.loads(raw) for raw in self._redis.lrange(history_key(entry_id), 0, -1))
        return [Version(Entry.from_dict(r["entry"]), r["action"], r["by"], r["at"]) for r in rows]

    def deleted(self, limit: int = 20) -> list[Version]:
        """The latest version of each entry deleted and not created again, most recent first."""
        ids = [i.decode() for i in self._redis.zrevrange(DELETED_KEY, 0, limit - 1)]
        return [versions[0] for versions in map(self.versions, ids) if versions]


# -- confirmed publishes (kb.gate) ---------------------------------------------------------------

PUBLISHED_KEY = "kb:published"  # list, newest first: JSON of each Published (the last KEEP_PUBLISHED)
KEEP_PUBLISHED = 500


@dataclass(frozen=True)
class Published:
    """A change published although the publish gate showed it would change answers, and who confirmed it."""

    version: int  # the KB version the change made
    ids: list[str]  # the entries it changed
    by: str
    at: float
    changes: list[dict]  # kb.gate.Report.to_json(): each question and its outcome before and after


def record_published(client: redis.Redis, version: int, ids: list[str], by: str, changes: list[dict]) -> None:
    """Keep the confirmation of a publish with the version it made."""
    row = Published(version, ids, by, time.time(), changes)
    pipe = client.pipeline(transaction=True)
    pipe.lpush(PUBLISHED_KEY, json.dumps(row.__dict__))
    pipe.ltrim(PUBLISHED_KEY, 0, KEEP_PUBLISHED - 1)
    pipe.execute()


def published(client: redis.Redis, entry_id: str | None = None) -> list[Published]:
    """Confirmed publishes, newest first (those that changed `entry_id`, if given)."""
    rows = (Published(**json.loads(raw)) for raw in client.lrange(PUBLISHED_KEY, 0, -1))
    return [p for p in rows if entry_id is None or entry_id in p.ids]
