"""The Rasa process's journal of conversations held during a Redis outage (rasa_ext/held_journal.py)."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

from rasa_ext.held_journal import HeldJournal, newest_versions


def _hold_and_die(directory: str) -> None:
    """A Rasa process that journals a conversation, then is killed (no clean-up at all)."""
    journal = HeldJournal(Path(directory))
    journal.append("c1", '{"events": [1]}')
    journal.append("c1", '{"events": [1, 2]}')
    os._exit(0)


def test_a_journal_left_by_a_process_that_died_is_an_orphan_with_the_newest_versions(tmp_path: Path) -> None:
    process = multiprocessing.get_context("fork").Process(target=_hold_and_die, args=(str(tmp_path),))
    process.start()
    process.join(10)
    survivor = HeldJournal(tmp_path)
    assert survivor.has_others()
    orphans = survivor.orphans()
    orphan = next(orphans)
    assert orphan.trackers == {"c1": '{"events": [1, 2]}'}
    # Claimed: while this one replays it, another process sees no orphan.
    assert list(HeldJournal(tmp_path).orphans()) == []
    orphan.discard()
    assert list(orphans) == []
    assert not survivor.has_others() and list(HeldJournal(tmp_path).orphans()) == []


def test_a_live_processs_journal_is_never_replayed_by_another(tmp_path: Path) -> None:
    live = HeldJournal(tmp_path)
    live.append("c1", "{}")
    other = HeldJournal(tmp_path)
    assert other.has_others() and list(other.orphans()) == []
    assert not live.has_others() and list(live.orphans()) == []  # its own journal is not an orphan


def test_cleared_once_everything_is_written_back(tmp_path: Path) -> None:
    journal = HeldJournal(tmp_path)
    journal.clear()  # nothing held yet: nothing to do
    journal.append("c1", "{}")
    assert len(list(tmp_path.glob("held-*.jsonl"))) == 1
    journal.clear()
    assert list(tmp_path.iterdir()) == []
    journal.append("c2", "{}")  # the next outage starts a new journal
    assert len(list(tmp_path.glob("held-*.jsonl"))) == 1


def test_a_torn_last_line_is_skipped() -> None:
    content = b'{"sender_id": "a", "tracker": "1"}\n{"sender_id": "b", "tracker": "2"}\n{"sender_id": "a", "trac'
    assert newest_versions(content) == {"a": "1", "b": "2"}
