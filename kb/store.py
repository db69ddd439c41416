"""The knowledge base in Redis: the one source of truth every replica reads."""

from __future__ import annotations

import json
from dataclasses import dataclass

import redis

from kb.entry import Entry

ENTRIES_KEY = "kb:entries"  # hash: entry id -> entry JSON
VERSION_KEY = "kb:version"  # counter, raised by every change; caches compare it


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

    def delete(self, entry_id: str) -> bool:
        """Remove one entry; False if it was not there."""
        pipe = self._redis.pipeline(transaction=True)
        pipe.hdel(ENTRIES_KEY, entry_id)
        pipe.incr(VERSION_KEY)
        removed, _ = pipe.execute()
        return bool(removed)
