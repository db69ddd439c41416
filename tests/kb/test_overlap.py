"""Overlapping entries, with the real embedding model."""

from __future__ import annotations

import dataclasses

from test_index import encoder, make_entry  # noqa: F401  (shared fixture)

from kb.cli import main
from kb.files import write_entries
from kb.overlap import OverlapChecker, QuestionIndex, QuestionVectors, find_overlaps
from kb.store import KBStore, fingerprint


def entry(entry_id: str, questions: list[str], answer: str):
    return dataclasses.replace(make_entry(entry_id, entry_id, questions), answer=answer)


RETURNS = entry("returns", ["How do I send an item back?", "Can I return my order?", "Returns policy"],
                "Print the label from your account and drop the parcel at any post office.")
SAME_QUESTION = entry("send-back", ["How can I send an item back?", "What is the returns address?", "Do I need the original box?"],
                      "Send it to 1 Mill Lane; any sturdy box will do.")
UNRELATED = entry("gift-cards", ["Do you sell gift cards?", "Do gift cards expire?", "Gift card balance"],
                  "Gift cards are valid for 2 years.")


def test_a_near_copy_of_another_entrys_question_is_an_overlap_and_distinct_entries_are_not(encoder):
    vectors = QuestionVectors(encoder)
    [found] = find_overlaps([RETURNS, SAME_QUESTION, UNRELATED], vectors)
    assert (found.first, found.second) == ("returns", "send-back")
    assert (found.first_question, found.second_question) == ("How do I send an item back?", "How can I send an item back?")
    assert found.similarity >= 0.9
    assert find_overlaps([RETURNS, UNRELATED], vectors) == []


def test_entries_that_give_the_same_answer_are_not_flagged(encoder):
    twin = dataclasses.replace(SAME_QUESTION, answer=RETURNS.answer)
    assert find_overlaps([RETURNS, twin], QuestionVectors(encoder)) == []


def test_only_the_pairs_of_one_entry_when_asked(encoder):
    vectors = QuestionVectors(encoder)
    assert find_overlaps([RETURNS, SAME_QUESTION, UNRELATED], vectors, only="gift-cards") == []
    assert len(find_overlaps([RETURNS, SAME_QUESTION, UNRELATED], vectors, only="send-back")) == 1


def test_kb_validate_warns_about_overlaps_in_files(tmp_path, capsys):
    write_entries([RETURNS, SAME_QUESTION, UNRELATED], tmp_path / "kb.yml")
    main(["validate", str(tmp_path / "kb.yml"), "--overlaps"])
    out = capsys.readouterr().out
    assert "3 entries, no problems" in out and "1 overlapping pair(s)" in out
    assert "warning: 'returns' and 'send-back' overlap" in out and "'How can I send an item back?'" in out


def test_the_stored_overlaps_are_updated_for_the_changed_entries_only(encoder, redis_client, monkeypatch):
    store = KBStore(redis_client)
    store.save([RETURNS, SAME_QUESTION, UNRELATED])
    compared: list[str] = []
    real = QuestionIndex.overlaps_of
    monkeypatch.setattr(QuestionIndex, "overlaps_of", lambda index, entry_id: compared.append(entry_id) or real(index, entry_id))
    checker = OverlapChecker(store, QuestionVectors(encoder))
    [pair] = checker.pairs(store.snapshot())
    assert (pair.first, pair.second) == ("returns", "send-back") and sorted(compared) == ["gift-cards", "returns", "send-back"]

    compared.clear()
    assert checker.pairs(store.snapshot(), only="send-back") == [pair]  # a page view: read, nothing compared
    assert OverlapChecker(store, QuestionVectors(encoder)).pairs(store.snapshot()) == [pair]  # another desk reads it too
    assert compared == []

    store.save_entry(dataclasses.replace(SAME_QUESTION, answer=RETURNS.answer), fingerprint(SAME_QUESTION))
    assert checker.pairs(store.snapshot()) == [] and compared == ["send-back"]
    compared.clear()
    store.delete_entry("send-back", fingerprint(store.get("send-back")))
    store.save_entry(dataclasses.replace(UNRELATED, questions=UNRELATED.questions + ("How can I send an item back?",)),
                     fingerprint(UNRELATED))
    [pair] = checker.pairs(store.snapshot())
    assert (pair.first, pair.second) == ("gift-cards", "returns")  # the desk's pairs are in id order
    assert compared == ["gift-cards"]
