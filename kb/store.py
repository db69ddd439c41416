"""The knowledge base in Redis: the one source of truth every replica reads."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Callable

import redis

from kb.entry import Entry
from kb.history import DELETED_KEY, keep_version

ENTRIES_KEY = "kb:entries"  # hash: entry id -> entry JSON
VERSION_KEY = "kb:version"  # counter, raised by every change; caches compare it


class StaleEdit(Exception):
    """The entry changed (or appeared, or went) since the editor read it."""


def fingerprint(entry: Entry | None) -> str:
    """A short digest of an entry's content ("" for none), to notice edits made meanwhile."""
    if entry is None:
        return ""
    return hashlib.sha256(json.dumps(entry.to_dict(), sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Snapshot:
    """All entries at one version of the store."""

    version: int
    entries: dict[str, Entry]


class KBStore:
    """Reads and writes knowledge-base entries in Redis."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def version(self) -> int:
        """The current version; changes whenever any entry does."""
        return int(self._redis.get(VERSION_KEY) or 0)

    def snapshot(self) -> Snapshot:
        """Version and entries read together in one transaction."""
        pipe = self._redis.pipeline(transaction=True)
        pipe.get(VERSION_KEY)
        pipe.hgetall(ENTRIES_KEY)
        version, rows = pipe.execute()
        entries = {k.decode(): Entry.from_dict(json.loads(v)) for k, v in rows.items()}
        return Snapshot(int(version or 0), entries)

    def get(self, entry_id: str) -> Entry | None:
        """One entry, or None."""
        raw = self._redis.hget(ENTRIES_KEY, entry_id)
        return Entry.from_dict(json.loads(raw)) if raw else None

    def count(self) -> int:
        """How many entries the store holds."""
        return int(self._redis.hlen(ENTRIES_KEY))

    def save(self, entries: list[Entry], replace: bool = False) -> int:
        """Add or update `entries` at once; with `replace`, entries not given are removed.

        Returns the new version.
        """
        pipe = self._redis.pipeline(transaction=True)
        if replace:
            pipe.delete(ENTRIES_KEY)
        if entries:
            pipe.hset(ENTRIES_KEY, mapping={e.id: json.dumps(e.to_dict()) for e in entries})
        pipe.incr(VERSION_KEY)
        return int(pipe.execute()[-1])

    def save_entry(self, entry: Entry, expected: str, by: str = "") -> int:
        """Write one entry if it is still as the editor read it (`expected` fingerprint, "" for new).

        The version it replaces is kept (kb.history). Raises StaleEdit otherwise; returns the new version.
        """
        def change(pipe: redis.client.Pipeline, previous: bytes | None) -> None:
            if previous:
                keep_version(pipe, previous, "edited", by)
            pipe.zrem(DELETED_KEY, entry.id)
            pipe.hset(ENTRIES_KEY, entry.id, json.dumps(entry.to_dict()))
        return self._change_if(entry.id, expected, change)

    def delete_entry(self, entry_id: str, expected: str, by: str = "") -> int:
        """Remove one entry if it is still as the editor read it (kept in kb.history); else StaleEdit."""
        def change(pipe: redis.client.Pipeline, previous: bytes | None) -> None:
            if previous:
                keep_version(pipe, previous, "deleted", by)
            pipe.hdel(ENTRIES_KEY, entry_id)
        return self._change_if(entry_id, expected, change)

    def _change_if(self, entry_id: str, expected: str, change: Callable[[redis.client.Pipeline, bytes | None], None]) -> int:
        # WATCH makes the check and the write one step: a write by anyone in between aborts it.
        with self._redis.pipeline(transaction=True) as pipe:
            try:
                pipe.watch(ENTRIES_KEY)
                raw = pipe.hget(ENTRIES_KEY, entry_id)
                if fingerprint(Entry.from_dict(json.loads(raw)) if raw else None) != expected:
                    raise StaleEdit(entry_id)
                pipe.multi()
                change(pipe, raw)
                pipe.incr(VERSION_KEY)
                return int(pipe.execute()[-1])
            except redis.WatchError as error:
                raise StaleEdit(entry_id) from error
