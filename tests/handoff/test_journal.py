"""The outage journal: durable records, replayed in order, nothing lost on failure."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from handoff.journal import OutageJournal, Pending, is_journal_ticket, new_reference


def test_references_are_distinct_and_never_look_like_numbered_tickets() -> None:
    references = {new_reference() for _ in range(2000)}
    assert len(references) == 2000
    assert all(is_journal_ticket(r) and len(r) == 8 for r in references)
    assert not is_journal_ticket("T000123")


def test_records_survive_a_new_journal_object_and_replay_in_order(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    OutageJournal(path).write("open", "TXAAAAAA", customer={"email": "a@example.com"})
    OutageJournal(path).write("contact", "TXAAAAAA", text="call me <b>now</b> \u00e9")
    seen: list[tuple[str, str]] = []
    applied = OutageJournal(path).replay(lambda r: seen.append((r["op"], r.get("text", ""))))
    assert applied == 2
    assert seen == [("open", ""), ("contact", "call me <b>now</b> \u00e9")]
    assert OutageJournal(path).records() == []


def test_pending_records_stay_and_the_rest_go_on(tmp_path: Path) -> None:
    journal = OutageJournal(tmp_path / "journal.jsonl")
    journal.write("line", "TXWAITING", line={"who": "customer", "text": "first"})
    journal.write("open", "TXREADY")

    def apply(record: dict) -> None:
        if record["ticket"] == "TXWAITING":
            raise Pending(record["ticket"])

    assert journal.replay(apply) == 1
    assert [r["ticket"] for r in journal.records()] == ["TXWAITING"]


def test_a_failure_keeps_the_failed_record_and_everything_after_it(tmp_path: Path) -> None:
    journal = OutageJournal(tmp_path / "journal.jsonl")
    for ticket in ("TX1", "TX2", "TX3"):
        journal.write("open", ticket)

    def apply(record: dict) -> None:
        if record["ticket"] == "TX2":
            raise ConnectionError("Redis went away again")

    with pytest.raises(ConnectionError):
        journal.replay(apply)
    assert [r["ticket"] for r in journal.records()] == ["TX2", "TX3"]


def test_a_torn_last_line_is_skipped_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    journal = OutageJournal(path)
    journal.write("open", "TXGOOD")
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"id": "x", "op": "con')  # a power cut mid-write
    assert [r["ticket"] for r in journal.records()] == ["TXGOOD"]


def _write_many(path: str, ticket: str) -> None:
    journal = OutageJournal(Path(path))
    for index in range(50):
        journal.write("line", ticket, line={"who": "customer", "text": f"{ticket} {index}"})


def test_processes_writing_at_once_lose_and_mix_nothing(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    workers = [multiprocessing.Process(target=_write_many, args=(str(path), f"TX{n}")) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    records = OutageJournal(path).records()
    assert len(records) == 200
    for n in range(4):
        texts = [r["line"]["text"] for r in records if r["ticket"] == f"TX{n}"]
        assert texts == [f"TX{n} {index}" for index in range(50)]
