"""The KB store against a real Redis."""

from kb.entry import Entry
from kb.store import KBStore


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
    assert store.delete("a") and store.version() > second
    assert store.get("a") is None


def test_replace_removes_entries_not_given(redis_client):
    store = KBStore(redis_client)
    store.save([make_entry("a"), make_entry("b")])
    store.save([make_entry("c")], replace=True)
    assert set(store.snapshot().entries) == {"c"}
    assert store.count() == 1
