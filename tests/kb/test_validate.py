"""Validation reports every problem with its file and entry id."""

from pathlib import Path

import pytest

from kb.files import KBFileError, RawEntry, read_raw_entries, write_entries
from kb.validate import validate

REPO_ROOT = Path(__file__).resolve().parents[2]

GOOD = {
    "id": "track-order", "title": "Track an order", "category": "orders", "tags": ["tracking"],
    "owner": "orders-team", "last_reviewed": "2026-10-01",
    "questions": ["Where is my order?", "Track my parcel", "Has my order shipped?"],
    "answer": "Use the link in your e-mail.", "related": [],
}


def raw(**changes) -> RawEntry:
    data = {**GOOD, **changes}
    return RawEntry("kb.yml", {k: v for k, v in data.items() if v is not None})


def messages(raws) -> list[str]:
    return [str(p) for p in validate(raws)[1]]


def test_the_sample_knowledge_base_is_valid_and_large_enough():
    entries, problems = validate(read_raw_entries(REPO_ROOT / "kb" / "content"))
    assert problems == []
    assert len(entries) >= 40
    assert {"orders", "delivery", "returns", "refunds", "payments", "account", "warranty", "privacy", "contact"} <= {e.category for e in entries}


def test_missing_field_is_reported_with_file_and_id():
    assert messages([raw(answer=None)]) == ["kb.yml: track-order: missing field 'answer'"]


def test_duplicate_id_duplicate_variant_and_broken_related_are_all_reported():
    problems = messages([
        raw(related=["nowhere"]),
        raw(),
        raw(id="other", questions=["WHERE is my order?", "x?", "y?"]),
    ])
    assert any("duplicate id" in p for p in problems)
    assert any("related id 'nowhere' does not exist" in p for p in problems)
    assert any(p.startswith("kb.yml: other: question variant") and "track-order" in p for p in problems)


def test_too_few_variants_bad_date_and_bad_link():
    problems = messages([raw(questions=["one?"], last_reviewed="yesterday", link="javascript:alert(1)")])
    assert len(problems) == 3


def test_files_round_trip(tmp_path):
    entries, _ = validate([raw(link="https://example.com/help")])
    write_entries(entries, tmp_path / "out.yml")
    again, problems = validate(read_raw_entries(tmp_path / "out.yml"))
    assert problems == [] and again == entries


def test_a_file_that_is_not_kb_yaml_is_a_clear_error(tmp_path):
    (tmp_path / "bad.yml").write_bytes(b"\x00\xff binary")
    with pytest.raises(KBFileError, match="bad.yml"):
        read_raw_entries(tmp_path / "bad.yml")


def test_related_ids_may_point_at_entries_known_elsewhere():
    assert messages([raw(related=["elsewhere"])]) == ["kb.yml: track-order: related id 'elsewhere' does not exist"]
    assert validate([raw(related=["elsewhere"])], known_ids={"elsewhere"})[1] == []
