"""A local file journal of the conversations one Rasa process holds while Redis is unreachable.

`rasa_ext.outage_stores` keeps a conversation it cannot write to Redis in the process's memory;
this journal is its copy on disk, so a Rasa process killed during the outage loses nothing it
had saved. Each save appends the whole conversation (serialised, one JSON line) and forces it
to disk before returning, that is before the customer is answered over REST. The last line of a
conversation is its newest version. Once everything held is back in Redis, the file is removed.

* One file per process (`held-<host>-<pid>-<random>.jsonl` in the folder given), locked with
  `flock` for as long as that process writes it, so several Rasa replicas can share a data folder.
  The kernel drops the lock when the process dies, however it dies: a journal whose lock can be
  taken is an orphan, and any process (the restarted one, or another replica) replays it.
* Pure Python with no Rasa import, so it is unit-tested from the app's environment.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import socket
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

SUFFIX = ".jsonl"


@dataclass
class Orphan:
    """A journal left by a process that is gone, locked by the caller while it is replayed."""

    path: Path
    trackers: dict[str, str]  # conversation id -> its newest serialised version

    def discard(self) -> None:
        """Remove the journal once every conversation in it is in Redis."""
        self.path.unlink(missing_ok=True)


class HeldJournal:
    """This process's journal of held conversations, and the orphans other processes left."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._handle: BinaryIO | None = None
        self._path: Path | None = None

    def append(self, sender_id: str, tracker: str) -> None:
        """Append the newest version of a held conversation and force it to disk."""
        handle = self._open()
        handle.write((json.dumps({"sender_id": sender_id, "tracker": tracker}) + "\n").encode())
        handle.flush()
        os.fsync(handle.fileno())

    def clear(self) -> None:
        """Nothing is held any more: remove this process's journal (a new one starts if needed)."""
        if self._handle is None or self._path is None:
            return
        self._path.unlink(missing_ok=True)  # still locked: no one else replays it meanwhile
        self._handle.close()
        self._handle = self._path = None

    def _open(self) -> BinaryIO:
        if self._handle is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            name = f"held-{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"
            # Locked under a name no scanner looks at, then renamed: the lock goes with the file,
            # so no other process ever sees this journal unlocked while we live.
            fresh = self.directory / f"{name}.new"
            handle = open(fresh, "ab")
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self._path = self.directory / f"{name}{SUFFIX}"
            os.replace(fresh, self._path)
            self._handle = handle
        return self._handle

    def has_others(self) -> bool:
        """Whether another process's journal is here (a live replica's, or an orphan)."""
        return self.directory.is_dir() and any(path != self._path for path in self._journals())

    def _journals(self) -> list[Path]:
        return sorted(self.directory.glob(f"held-*{SUFFIX}"))

    def orphans(self) -> Generator[Orphan, None, None]:  # a generator: closing() unlocks
        """Each journal whose process is gone, locked while the caller handles it (and until the
        next one is asked for). Journals of live processes are skipped."""
        if not self.directory.is_dir():
            return
        for path in self._journals():
            if path == self._path:
                continue
            handle = _claim(path)
            if handle is None:
                continue
            with handle:
                yield Orphan(path, newest_versions(handle.read()))


def _claim(path: Path) -> BinaryIO | None:
    """`path` opened and locked if its writer is gone and it is still there; else None."""
    try:
        handle = open(path, "rb")
    except OSError:  # removed meanwhile (or unreadable: left for whoever can read it)
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # Replayed and removed by another process between our open and our lock?
        if os.fstat(handle.fileno()).st_ino == os.stat(path).st_ino:
            return handle
    except OSError:  # locked by its live writer, or removed meanwhile
        pass
    handle.close()
    return None


def newest_versions(content: bytes) -> dict[str, str]:
    """Conversation id -> its last version in a journal's content. A torn last line (the process
    died mid-write) was never confirmed to anyone and is skipped."""
    trackers: dict[str, str] = {}
    for line in content.splitlines():
        try:
            record = json.loads(line)
            trackers[record["sender_id"]] = record["tracker"]
        except (ValueError, KeyError, TypeError):
            continue
    return trackers
