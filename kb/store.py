"""The knowledge base in Redis: the one source of truth every replica reads.

Keys (every change writes all three in one transaction):
  * `kb:entries`  hash: entry id -> entry JSON.
  * `kb:version`  counter, raised by every change; a serving process compares it (one GET per question).
  * `kb:changes`  stream, one record per change (so per version): `ids`, the JSON list of the entry ids
    it added, edited or deleted, or `all` when the whole KB was replaced. Serving processes patch
    their index from it (kb.service); it keeps the last CHANGES_KEPT records, and a reader that
    fell further behind (or finds records missing) compares the whole KB instead.
Fits of the tuned model are kept beside it by kb.fits (`kb:fit:*`), earlier versions by kb.history.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

import redis

from kb.entry import Entry
from kb.history import DELETED_KEY, keep_version

ENTRIES_KEY = "kb:entries"  # hash: entry id -> entry JSON
VERSION_KEY = "kb:version"  # counter, raised by every change; caches compare it
CHANGES_KEY = "kb:changes"  # stream: one record per version, naming the entry ids it changed
CHANGES_KEPT = 10_000  # approximately (MAXLEN ~): far more than a reader falls behind between polls


class StaleEdit(Exception):
    """The entry changed (or appeared, or went) since the editor read it."""


def fingerprint(entry: Entry | None) -> str:
    """A short digest of an entry's content ("" for none), to notice edits made meanwhile."""
    if entry is None:
        return ""
    return hashlib.sha256(json.dumps(entry.to_dict(), sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Snapshot:
    """All entries at one version of the store, and the last change-log record it includes."""

    version: int
    entries: dict[str, Entry]
    mark: str = "0-0"  # kb:changes stream id


@dataclass(frozen=True)
class Changes:
    """What changed after a mark: the entry ids (None: unknown, compare everything) up to `version`."""

    version: int
    mark: str
    ids: frozenset[str] | None


def _log_change(pipe: redis.client.Pipeline, ids: list[str] | None) -> None:
    """Queue the version increment and its change-log record, in `pipe`'s transaction."""
    pipe.xadd(CHANGES_KEY, {"all": "1"} if ids is None else {"ids": json.dumps(ids)},
              maxlen=CHANGES_KEPT, approximate=True)
    pipe.incr(VERSION_KEY)


def _decode(raw: bytes | None) -> Entry | None:
    return Entry.from_dict(json.loads(raw)) if raw else None


class KBStore:
    """Reads and writes knowledge-base entries in Redis."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    @property
    def client(self) -> redis.Redis:
        """The Redis client (kb.fits keeps the fits beside the entries)."""
        return self._redis

    def version(self) -> int:
        """The current version; changes whenever any entry does."""
        return int(self._redis.get(VERSION_KEY) or 0)

    def snapshot(self) -> Snapshot:
        """Version, entries and the change log's last record read together in one transaction."""
        pipe = self._redis.pipeline(transaction=True)
        pipe.get(VERSION_KEY)
        pipe.hgetall(ENTRIES_KEY)
        pipe.xrevrange(CHANGES_KEY, count=1)
        version, rows, last = pipe.execute()
        entries = {k.decode(): Entry.from_dict(json.loads(v)) for k, v in rows.items()}
        return Snapshot(int(version or 0), entries, last[0][0].decode() if last else "0-0")

    def changes(self, version: int, mark: str) -> Changes:
        """The entries changed since `version` (whose last change-log record is `mark`).

        The ids are None when the log cannot tell: the KB was replaced, records were trimmed
        away, or a change was written without a record (its version count and the log disagree).
        """
        pipe = self._redis.pipeline(transaction=True)
        pipe.get(VERSION_KEY)
        pipe.xrange(CHANGES_KEY, min=f"({mark}")
        current, records = pipe.execute()
        current = int(current or 0)
        new_mark = records[-1][0].decode() if records else mark
        if current - version != len(records) or any(b"all" in fields for _, fields in records):
            return Changes(current, new_mark, None)
        return Changes(current, new_mark, frozenset(i for _, f in records for i in json.loads(f[b"ids"])))

    def get(self, entry_id: str) -> Entry | None:
        """One entry, or None."""
        return _decode(self._redis.hget(ENTRIES_KEY, entry_id))

    def get_many(self, entry_ids: list[str]) -> dict[str, Entry | None]:
        """The current version of each entry (None for one that does not exist), in one round trip."""
        if not entry_ids:
            return {}
        return dict(zip(entry_ids, map(_decode, self._redis.hmget(ENTRIES_KEY, entry_ids)), strict=True))

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
        _log_change(pipe, None if replace else [e.id for e in entries])
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

    def _change_if(
        self, entry_id: str, expected: str, change: Callable[[redis.client.Pipeline, bytes | None], None]
    ) -> int:
        # WATCH makes the check and the write one step: a write by anyone in between aborts it.
        with self._redis.pipeline(transaction=True) as pipe:
            try:
                pipe.watch(ENTRIES_KEY)
                raw = pipe.hget(ENTRIES_KEY, entry_id)
                if fingerprint(_decode(raw)) != expected:
                    raise StaleEdit(entry_id)
                pipe.multi()
                change(pipe, raw)
                _log_change(pipe, [entry_id])
                return int(pipe.execute()[-1])
            except redis.WatchError as error:
                raise StaleEdit(entry_id) from error
