"""Service notices in a real Redis: posting, telling once per conversation, estimates, ending."""

from __future__ import annotations

from notices.board import KEEP_ENDED_SECONDS, MAX_TEXT_CHARS, NoticeBoard, customer_text, estimate, notice_problems

NOW = 1_800_000_000.0


def test_a_notice_for_everyone_is_told_once_per_conversation(redis_client):
    board = NoticeBoard(redis_client)
    notice = board.post("Our phone line is closed today", [], 3, "sue", now=NOW)
    assert [n.id for n in board.to_tell("chat-1", lambda: [], now=NOW + 60)] == [notice.id]
    assert board.to_tell("chat-1", lambda: ["delivery"], now=NOW + 120) == []  # already told here
    assert [n.id for n in board.to_tell("chat-2", lambda: ["payments"], now=NOW + 120)] == [notice.id]
    assert 0 < redis_client.ttl("notices:told:chat-1") <= 86400


def test_a_category_notice_is_told_only_about_that_category(redis_client):
    board = NoticeBoard(redis_client)
    delayed = board.post("Deliveries to Scotland are delayed by storms.", ["delivery"], 48, "carl", now=NOW)
    assert board.to_tell("chat-1", lambda: [], now=NOW) == []
    assert board.to_tell("chat-1", lambda: ["payments"], now=NOW) == []
    assert [n.id for n in board.to_tell("chat-1", lambda: ["payments", "delivery"], now=NOW)] == [delayed.id]


def test_a_notice_past_its_estimate_or_ended_is_no_longer_told_but_stays_listed_for_a_week(redis_client):
    board = NoticeBoard(redis_client)
    short = board.post("Card payments fail at times.", [], 1, "sue", now=NOW)
    long = board.post("Returns take longer this week.", [], 100, "sue", now=NOW)
    assert [n.id for n in board.active(now=NOW + 2 * 3600)] == [long.id]
    ended = board.end(long.id, "ada", now=NOW + 3 * 3600)
    assert ended is not None and ended.updated_by == "ada" and ended.author == "sue"
    assert board.active(now=NOW + 3 * 3600) == [] and board.to_tell("chat", lambda: [], now=NOW + 3 * 3600) == []
    assert {n.id for n in board.all(now=NOW + 4 * 3600)} == {short.id, long.id}
    board.post("Something new.", [], 1, "sue", now=NOW + KEEP_ENDED_SECONDS + 4 * 3600)  # prunes the old ones
    assert [n.text for n in board.all(now=NOW + KEEP_ENDED_SECONDS + 4 * 3600)] == ["Something new."]
    assert board.end("N999", "sue") is None


def test_changing_a_notice_extends_its_estimate_and_it_is_told_again_only_where_not_told(redis_client):
    board = NoticeBoard(redis_client)
    notice = board.post("Login problems.", ["account"], 1, "sue", now=NOW)
    assert board.to_tell("chat-1", lambda: ["account"], now=NOW)
    changed = board.change(notice.id, "Login problems for some customers.", [], 5, "bob", now=NOW + 2 * 3600)
    assert changed is not None and changed.starts == NOW and changed.ends == NOW + 7 * 3600
    assert board.to_tell("chat-1", lambda: [], now=NOW + 2 * 3600) == []
    assert [n.text for n in board.to_tell("chat-2", lambda: [], now=NOW + 2 * 3600)] == ["Login problems for some customers."]
    assert board.change("N999", "x", [], 1, "bob") is None


def test_the_estimate_is_told_in_words_that_need_no_time_zone():
    assert estimate(20 * 60) == "within the hour"
    assert estimate(90 * 60) == "in about 2 hours"
    assert estimate(23.5 * 3600) == "in about 24 hours"
    assert estimate(30 * 3600) == "in about a day"
    assert estimate(60 * 3600) == "in about 2 days"


def test_the_customer_hears_the_notice_as_a_sentence_with_its_estimate(redis_client):
    notice = NoticeBoard(redis_client).post("Deliveries are late", [], 3, "sue", now=NOW)
    assert customer_text(notice, NOW) == "Please note: Deliveries are late. We expect this to be sorted in about 3 hours."


def test_bad_notices_are_refused_with_every_reason():
    assert notice_problems("Fine.", "4") == []
    assert len(notice_problems("", "0")) == 2
    assert "characters" in notice_problems("x" * (MAX_TEXT_CHARS + 1), "1")[0]
    for hours in ("", "abc", "nan", "inf", "-1", "721"):
        assert notice_problems("Fine.", hours), hours
