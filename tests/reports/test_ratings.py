"""Customers' ratings in a real Redis: kept once per chat, masked, tallied; replayed after an outage."""

from __future__ import annotations

import time

import pytest

from actions.outage import apply_record
from reports.ratings import MAX_COMMENT_CHARS, FeedbackLog, tally
from handoff.journal import OutageJournal


def test_a_chat_is_rated_once_and_the_rating_keeps_what_the_report_needs(redis_client):
    log = FeedbackLog(redis_client)
    assert not log.rated("bot", "chat-1")
    assert log.record("bot", "chat-1", 2, "mail me at sam@example.com", questions=["my pin is 1234 and a refund?"],
                      entries=["refund-timing"])
    assert log.rated("bot", "chat-1") and not log.rated("agent", "chat-1")
    assert not log.record("bot", "chat-1", 5)  # the form sent twice counts once
    [rating] = log.since(time.time() - 60)
    assert (rating.kind, rating.score, rating.comment) == ("bot", 2, "mail me at [e-mail]")
    assert rating.questions == ("my pin is [hidden] and a refund?",) and rating.entries == ("refund-timing",)


def test_ratings_are_read_newest_first_within_the_period_and_tallied(redis_client):
    log = FeedbackLog(redis_client)
    log.record("agent", "T000001", 5, ticket="T000001", agent="alice")
    log.record("agent", "T000002", 3, "x" * (MAX_COMMENT_CHARS + 50), ticket="T000002", agent="bob")
    ratings = log.since(time.time() - 60)
    assert [r.ticket for r in ratings] == ["T000002", "T000001"] and ratings[1].agent == "alice"
    assert len(ratings[0].comment) == MAX_COMMENT_CHARS
    assert log.since(time.time() + 60) == []
    summary = tally(ratings)
    assert summary.count == 2 and summary.average == 4.0 and summary.by_score == (0, 0, 1, 0, 1)
    assert tally([]).count == 0


def test_a_score_outside_1_to_5_is_refused(redis_client):
    with pytest.raises(ValueError):
        FeedbackLog(redis_client).record("bot", "chat", 6)


def test_a_rating_kept_in_the_journal_during_an_outage_reaches_the_report_when_replayed(redis_client, tmp_path):
    journal = OutageJournal(tmp_path / "outage-journal.jsonl")
    journal.write("rating", "", rating={"kind": "bot", "chat": "chat-9", "score": 4, "comment": "ok"})
    assert journal.replay(lambda record: apply_record(redis_client, None, record)) == 1  # type: ignore[arg-type]
    [rating] = FeedbackLog(redis_client).since(time.time() - 60)
    assert (rating.kind, rating.score, rating.comment) == ("bot", 4, "ok") and journal.records() == []
