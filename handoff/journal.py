"""A local, durable journal of what customers hand over while Redis is unreachable.

With Redis down there is no ticket counter and no queue. The action server then writes the
customer's ticket, their messages and contact details to this append-only file (one JSON record
per line, fsync'd before the customer is told anything), so it can give them a ticket reference
at once. When Redis answers again, the records are replayed into the handoff queue, where the
tickets wait in the desk like any other.

* Ticket references made here start with `TX` and a random part, so they never collide with the
  queue's numbered tickets (`T000123`) nor with another replica's journal.
* Replay is at-least-once: a record is applied, then its id is remembered in Redis; a record
  whose id Redis remembers is skipped. Only a crash between those two steps repeats one.
* A record for a ticket that is not in Redis yet (its opening record sits in another replica's
  journal, or has not been replayed) stays in the journal for the next round.
* Writers and replay take an exclusive lock on a lock file beside the journal, so several
  processes sharing one data folder never interleave or lose a record.

Keys: `handoff:actions_down` (ACTIONS_DOWN_KEY), the Redis list where Rasa (rasa_ext.action_outage)
keeps what customers hand over while the action server is down, until handoff.outage_replay takes
it into this journal. Named here since both import it and Rasa's venv imports only stdlib modules.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

Op = Literal["open", "line", "contact", "update", "rating"]
PREFIX = "TX"
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read out over the phone
_REFERENCE_LENGTH = 6
ACTIONS_DOWN_KEY = "handoff:actions_down"


def new_reference() -> str:
    """A fresh ticket reference for a ticket taken with Redis down, e.g. `TX7KQ2MZ`."""
    return PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(_REFERENCE_LENGTH))


def is_journal_ticket(ticket: str) -> bool:
    """Whether a ticket reference was made by the journal (not numbered by the queue)."""
    return ticket.startswith(PREFIX)


class Pending(Exception):
    """Raised by a replay handler when a record cannot be applied yet (its ticket is not in Redis)."""


class OutageJournal:
    """Appends records durably and replays them through a handler, oldest first."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock_path = self.path.with_name(self.path.name + ".lock")

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self._lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def write(self, op: Op, ticket: str, **data: Any) -> dict[str, Any]:
        """Append one record and force it to disk; returns the record."""
        record = {"id": uuid.uuid4().hex, "at": time.time(), "op": op, "ticket": ticket, **data}
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._locked(), open(self.path, "a", encoding="utf-8") as journal:
            journal.write(line)
            journal.flush()
            os.fsync(journal.fileno())
        return record

    def records(self) -> list[dict[str, Any]]:
        """Every record not yet replayed, oldest first."""
        if not self.path.exists():
            return []
        with self._locked():
            return self._read()

    def _read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        # A torn last line (power cut mid-write) was never confirmed to the customer: skip it.
        return [record for record in map(_parse, lines) if record is not None]

    def replay(self, apply: Callable[[dict[str, Any]], None]) -> int:
        """Hand every record to `apply` in order; keep those it defers or fails on.

        `apply` raises Pending to keep a record for later; any other exception (Redis down
        again) stops the round and keeps this record and all after it. Returns how many
        records were applied.
        """
        if not self.path.exists():
            return 0
        with self._locked():
            records = self._read()
            kept: list[dict[str, Any]] = []
            applied = 0
            for index, record in enumerate(records):
                try:
                    apply(record)
                    applied += 1
                except Pending:
                    kept.append(record)
                except Exception:
                    kept += records[index:]
                    self._rewrite(kept)
                    raise
            self._rewrite(kept)
            return applied

    def _rewrite(self, records: list[dict[str, Any]]) -> None:
        """Replace the journal with `records`, atomically (a crash leaves the old or the new file)."""
        if not records:
            self.path.unlink(missing_ok=True)
            return
        temporary = self.path.with_name(self.path.name + ".tmp")
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)


def _parse(line: str) -> dict[str, Any] | None:
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return None
    return record if isinstance(record, dict) and "op" in record else None
