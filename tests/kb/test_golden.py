"""Golden questions in Redis, and the `kb` command's golden, import (with the publish gate) and export."""

from __future__ import annotations

import dataclasses

import pytest
import yaml
from tests.small_kb import SMALL_KB, config, encoder, small_index  # noqa: F401  (shared fixtures)

from kb.cli import main
from kb.fits import FitStore
from kb.golden import GoldenStore
from kb.history import published
from kb.store import KBStore

REFUND = SMALL_KB[2]
GOLDEN = "I'd like to call off my order"  # answered by cancel-order; a choice once refund-status has it too
STEALING = dataclasses.replace(REFUND, questions=REFUND.questions + ("I changed my mind about my purchase", GOLDEN))


def test_a_golden_question_is_one_however_it_is_typed(redis_client):
    golden = GoldenStore(redis_client)
    golden.add("  Where is my  refund? ", "refund-status", "carl")
    golden.add("where is my refund?", "cancel-order")  # re-pointed, not doubled
    assert [(g.question, g.entry) for g in golden.all()] == [("where is my refund?", "cancel-order")]
    with pytest.raises(ValueError):
        golden.add("   ", "refund-status")
    assert golden.remove("WHERE IS MY REFUND?") and not golden.remove("where is my refund?")
    assert golden.all() == []


@pytest.fixture
def kb_env(redis_url, redis_client, encoder, small_index, config, monkeypatch):  # noqa: F811
    """The `kb` command on the test Redis, the small KB and its fit stored."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("EMBEDDING_MODEL", encoder.model_name)
    FitStore(redis_client, encoder, config).store(small_index.fit)
    store = KBStore(redis_client)
    store.save(SMALL_KB)
    return store


@pytest.fixture
def golden_saved(kb_env) -> KBStore:
    assert run(["golden", "add", GOLDEN, "cancel-order"]) == 0
    return kb_env


def run(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as ended:
        main(argv)
        raise SystemExit(0)
    return int(ended.value.code or 0)


def test_import_check_exits_1_naming_the_change_and_import_refuses_it_without_accept(golden_saved, tmp_path, capsys):
    kb_env = golden_saved
    path = tmp_path / "edit.yml"
    path.write_text(yaml.safe_dump({"entries": [STEALING.to_dict()]}))
    version = kb_env.version()
    assert run(["import", "--check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "would be answered differently" in out and f"{GOLDEN!r} (golden question for cancel-order)" in out
    assert run(["import", str(path)]) == 1
    assert "refused" in capsys.readouterr().err
    assert kb_env.version() == version and kb_env.get(REFUND.id) == REFUND  # nothing changed
    assert run(["import", "--accept-changes", str(path)]) == 0
    assert kb_env.get(REFUND.id) == STEALING
    [record] = published(kb_env.client)
    assert record.version == kb_env.version() and record.ids == [REFUND.id] and record.by.startswith("kb import")
    assert [c["question"] for c in record.changes] == [GOLDEN]


def test_an_import_that_changes_no_answer_goes_through_and_check_exits_0(kb_env, tmp_path, capsys):
    path = tmp_path / "edit.yml"
    path.write_text(yaml.safe_dump({"entries": [dataclasses.replace(REFUND, answer="Five days.").to_dict()]}))
    assert run(["import", "--check", str(path)]) == 0
    assert "no answer would change" in capsys.readouterr().out
    assert run(["import", str(path)]) == 0 and kb_env.get(REFUND.id).answer == "Five days."
    assert published(kb_env.client) == []


def test_golden_questions_are_added_listed_removed_and_round_trip_through_export_and_import(
        golden_saved, tmp_path, capsys):
    kb_env = golden_saved
    assert run(["golden", "add", "Anything", "no-such-entry"]) == 1
    capsys.readouterr()
    assert run(["golden", "list", "--json"]) == 0
    assert '"entry": "cancel-order"' in capsys.readouterr().out
    exported = tmp_path / "kb.yml"
    assert run(["export", str(exported)]) == 0
    assert yaml.safe_load(exported.read_text())["golden"] == [
        {"question": GOLDEN, "entry": "cancel-order"}]
    assert run(["golden", "remove", "i'd like to call off my order"]) == 0
    assert GoldenStore(kb_env.client).all() == []
    assert run(["import", "--replace", str(exported)]) == 0
    assert [(g.question, g.entry) for g in GoldenStore(kb_env.client).all()] == [
        (GOLDEN, "cancel-order")]
    bad = tmp_path / "bad.yml"
    bad.write_text(yaml.safe_dump({"entries": [], "golden": [{"question": "Hi", "entry": "gone"}]}))
    assert run(["import", str(bad)]) == 1 and "gone" in capsys.readouterr().err
