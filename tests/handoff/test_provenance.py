"""The answers a customer read, from a handoff's transcript, against the entry as it is now."""

from __future__ import annotations

from dataclasses import replace

import redis

from handoff.provenance import shown_answers
from handoff.records import Line
from kb.store import KBStore, fingerprint
from tests.small_kb import SMALL_KB

ENTRY = SMALL_KB[0]


def answered(entry=ENTRY, at: float = 1000.0) -> Line:
    return Line("bot", f"{entry.answer}\n\nSource: {entry.title}", at=at,
                answer={"entry": entry.id, "version": fingerprint(entry)})


def test_each_answer_says_whether_its_entry_changed_since_and_how(redis_client: redis.Redis) -> None:
    store = KBStore(redis_client)
    store.save([ENTRY])
    lines = [Line("customer", "forgot my password", at=990.0), answered(), Line("bot", "Did that answer it?")]
    [unchanged] = shown_answers(lines, store)
    assert (unchanged.entry_id, unchanged.changed, unchanged.since, unchanged.title) == (
        ENTRY.id, False, "", ENTRY.title)
    assert unchanged.as_of == "1970-01-01 00:16 UTC" and unchanged.text == lines[1].text

    edited = replace(ENTRY, answer="Use the reset link.")
    store.save_entry(edited, fingerprint(ENTRY), by="carl")
    later = answered(edited, at=2000.0)
    first, second = shown_answers([*lines, later], store)
    assert first.changed and first.since.startswith("the entry was edited since (") and first.since.endswith("by carl)")
    assert not second.changed  # the edited version is the one shown later

    store.delete_entry(ENTRY.id, fingerprint(edited), by="sue")
    first, second = shown_answers([*lines, later], store)
    assert first.deleted and first.title == "" and first.since.endswith("by carl); it is deleted now")
    assert second.since.startswith("the entry was deleted since") and second.since.endswith("by sue)")
