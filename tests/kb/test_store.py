"""The KB store against a real Redis."""

import pytest

from kb.entry import Entry
from kb.history import KEEP_VERSIONS, EntryHistory
from kb.store import KBStore, StaleEdit, fingerprint


def make_entry(entry_id: str, answer: str = "An answer.") -> Entry:
    return Entry(
        id=entry_id, title=f"Title of {entry_id}", category="orders", tags=("t",), owner="team",
        last_reviewed="2026-01-01", questions=(f"question about {entry_id}?", "another one?", "third?"),
        answer=answer, related=(),
    )


def test_save_then_snapshot_round_trips_entries(redis_client):
    store = KBStore(redis_client)
    version = store.save([make_entry("a"), make_entry("b")])
    snapshot = store.snapshot()
    assert snapshot.version == version
    assert snapshot.entries["a"] == make_entry("a")
    assert set(snapshot.entries) == {"a", "b"}


def test_every_change_raises_the_version(redis_client):
    store = KBStore(redis_client)
    first = store.save([make_entry("a")])
    second = store.save([make_entry("a", answer="Edited.")])
    assert second > first
    assert store.get("a").answer == "Edited."
    assert store.delete_entry("a", fingerprint(store.get("a"))) > second
    assert store.get("a") is None


def test_an_edit_or_delete_of_an_entry_changed_meanwhile_is_refused(redis_client):
    store = KBStore(redis_client)
    store.save([make_entry("a")])
    read = fingerprint(store.get("a"))
    store.save([make_entry("a", answer="Someone else's edit.")])
    with pytest.raises(StaleEdit):
        store.save_entry(make_entry("a", answer="Mine."), read)
    with pytest.raises(StaleEdit):
        store.delete_entry("a", read)
    with pytest.raises(StaleEdit):  # "new" but the id is taken
        store.save_entry(make_entry("a", answer="Mine."), "")
    assert store.get("a").answer == "Someone else's edit."
    version = store.save_entry(make_entry("b"), "")
    assert store.get("b") == make_entry("b") and store.version() == version


def test_replace_removes_entries_not_given(redis_client):
    store = KBStore(redis_client)
    store.save([make_entry("a"), make_entry("b")])
    store.save([make_entry("c")], replace=True)
    assert set(store.snapshot().entries) == {"c"}
    assert store.count() == 1


def test_edits_and_deletions_keep_the_earlier_version(redis_client):
    store, history = KBStore(redis_client), EntryHistory(redis_client)
    store.save_entry(make_entry("a", answer="First."), "")
    assert history.versions("a") == []  # a new entry replaces nothing
    store.save_entry(make_entry("a", answer="Second."), fingerprint(store.get("a")), by="carl")
    store.delete_entry("a", fingerprint(store.get("a")), by="dana")
    [before_delete, before_edit] = history.versions("a")
    assert (before_delete.entry.answer, before_delete.action, before_delete.by) == ("Second.", "deleted", "dana")
    assert (before_edit.entry.answer, before_edit.action, before_edit.by) == ("First.", "edited", "carl")
    assert [v.entry.id for v in history.deleted()] == ["a"]
    store.save_entry(before_delete.entry, "")  # brought back
    assert history.deleted() == [] and store.get("a").answer == "Second."


def test_only_the_latest_versions_are_kept(redis_client):
    store = KBStore(redis_client)
    store.save_entry(make_entry("a", answer="v0"), "")
    for i in range(1, KEEP_VERSIONS + 5):
        store.save_entry(make_entry("a", answer=f"v{i}"), fingerprint(store.get("a")))
    versions = EntryHistory(redis_client).versions("a")
    assert len(versions) == KEEP_VERSIONS and versions[0].entry.answer == f"v{KEEP_VERSIONS + 3}"


def test_the_change_log_names_the_entries_each_change_touched(redis_client):
    store = KBStore(redis_client)
    store.save([make_entry("a"), make_entry("b")])
    start = store.snapshot()
    store.save_entry(make_entry("c"), "")
    store.delete_entry("a", fingerprint(store.get("a")))
    changes = store.changes(start.version, start.mark)
    assert changes.ids == {"a", "c"} and changes.version == start.version + 2
    assert store.changes(changes.version, changes.mark).ids == frozenset()  # nothing since
    assert store.get_many(["a", "c"]) == {"a": None, "c": make_entry("c")}


def test_the_change_log_says_when_it_cannot_tell(redis_client):
    store = KBStore(redis_client)
    store.save([make_entry("a")])
    start = store.snapshot()
    store.save([make_entry("b")], replace=True)
    assert store.changes(start.version, start.mark).ids is None  # replaced: compare everything
    later = store.snapshot()
    redis_client.incr("kb:version")  # a change written without its record
    assert store.changes(later.version, later.mark).ids is None
