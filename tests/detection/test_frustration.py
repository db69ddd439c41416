"""Conversation assessment: levels, reasons with quotes, flags."""

from __future__ import annotations

from detection import Assessment, Reason, Turn, assess


def reasons_of(assessment: Assessment, kind: str) -> list[Reason]:
    return [reason for reason in assessment.reasons if reason.kind == kind]


def test_calm_question_is_none() -> None:
    result = assess([Turn("How long does delivery to Ireland take?")])
    assert result.level == "none"
    assert result.reasons == ()
    assert not result.hand_off


def test_shouting_is_at_least_rising_and_quoted() -> None:
    result = assess([Turn("Hi, where is my parcel?"), Turn("THIS IS RIDICULOUS!!!")])
    assert result.level in {"rising", "high"}
    [tone] = reasons_of(result, "tone")
    assert tone.quote == "THIS IS RIDICULOUS!!!"
    assert "capitals" in tone.detail


def test_one_moderate_signal_is_rising() -> None:
    result = assess([Turn("where is my damn refund")])
    assert result.level == "rising"
    assert not result.hand_off


def test_swearing_and_capitals_is_high() -> None:
    result = assess([Turn("WHERE IS MY DAMN REFUND")])
    assert result.level == "high"
    assert result.hand_off


def test_rising_twice_is_high() -> None:
    result = assess([Turn("this is useless"), Turn("Hello???")])
    assert result.level == "high"


def test_same_question_three_times_with_rejected_answers_is_high() -> None:
    turns = [
        Turn("how do I change my delivery address", bot_outcome="answer"),
        Turn("How do I change the delivery address?", bot_outcome="answer", feedback="no"),
        Turn("how can i change my delivery address", bot_outcome="answer", feedback="no"),
    ]
    result = assess(turns)
    assert result.level == "high"
    assert result.hand_off
    repeats = reasons_of(result, "repeated_question")
    assert [r.quote for r in repeats] == [turns[1].text, turns[2].text]
    assert len(reasons_of(result, "rejected_answers")) == 2


def test_deny_after_an_answer_is_a_rejection() -> None:
    turns = [Turn("what is your returns policy", bot_outcome="answer"), Turn("no", intent="deny")]
    result = assess(turns)
    assert result.level == "rising"
    [rejected] = reasons_of(result, "rejected_answers")
    assert rejected.quote == "no"


def test_deny_after_small_talk_is_not_a_rejection() -> None:
    assert assess([Turn("hi"), Turn("no", intent="deny")]).level == "none"


def test_three_dont_know_turns_in_a_row_are_high() -> None:
    turns = [
        Turn("do you sell gift cards", bot_outcome="dont_know"),
        Turn("can I pay with vouchers", bot_outcome="dont_know"),
        Turn("what about store credit", bot_outcome="dont_know"),
    ]
    result = assess(turns)
    assert result.level == "high"
    [streak] = reasons_of(result, "dont_know_streak")
    assert streak.quote == "what about store credit"
    assert assess(turns[:2]).level == "rising"


def test_thumbs_down_is_rising() -> None:
    turns = [Turn("how do I reset my password", bot_outcome="answer"), Turn("", feedback="thumbs_down")]
    result = assess(turns)
    assert result.level == "rising"
    assert reasons_of(result, "thumbs_down")[0].quote == "[thumbs_down]"


def test_different_questions_are_not_repeats() -> None:
    turns = [Turn("how do I change my delivery address"), Turn("how do I change my password")]
    assert assess(turns).level == "none"


def test_wants_human_hands_off() -> None:
    result = assess([Turn("hello"), Turn("I want to speak to a human")])
    assert result.wants_human and result.hand_off
    assert reasons_of(result, "human_request")[0].quote == "I want to speak to a human"


def test_wants_human_is_about_the_newest_message() -> None:
    assert not assess([Turn("agent please"), Turn("ok, thanks, it works now")]).wants_human


def test_legal_threat_is_flagged_and_stays() -> None:
    turns = [Turn("I'll take you to court over this")] + [Turn(f"order {n}") for n in range(10)]
    result = assess(turns)
    assert result.legal and result.hand_off
    assert reasons_of(result, "legal")[0].quote == "I'll take you to court over this"


def test_insult_is_abusive() -> None:
    result = assess([Turn("you are a useless idiot")])
    assert result.abusive
    assert reasons_of(result, "abuse")[0].quote == "you are a useless idiot"


def test_swearing_at_the_situation_is_frustration_not_abuse() -> None:
    result = assess([Turn("this is f***ing ridiculous")])
    assert result.level in {"rising", "high"}
    assert not result.abusive


def test_reasons_quote_the_message_that_caused_them() -> None:
    turns = [Turn("my parcel is late"), Turn("this is a waste of time"), Turn("ok what now")]
    [words] = reasons_of(assess(turns), "words")
    assert words.quote == "this is a waste of time"


def test_quotes_are_truncated() -> None:
    long_text = "useless " * 100
    [reason] = assess([Turn(long_text)]).reasons
    assert len(reason.quote) <= 200


def test_old_frustration_drops_out_of_the_window() -> None:
    questions = ["delivery times", "returns policy", "gift wrapping", "opening hours", "vouchers", "sizes"]
    turns = [Turn("this is useless")] + [Turn(f"tell me about {q}", bot_outcome="answer") for q in questions]
    assert assess(turns).level == "none"


def test_repeated_small_talk_is_not_a_repeated_question() -> None:
    assert assess([Turn("thank you very much"), Turn("thank you very much")]).level == "none"
