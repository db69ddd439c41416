"""One customer turn through its steps, on the real Redis and a real knowledge base."""

from __future__ import annotations

from conversation.context import Reply, Services, TurnContext
from conversation.turn import take_turn
from customers.contacts import ContactHistory
from customers.flags import flag_key
from handoff.presence import heartbeat
from handoff.queue import HandoffQueue
from handoff.turns import TurnLog
from notices.board import NoticeBoard
from tests.conversation.turn_fixtures import message, run


async def nothing(context: TurnContext) -> Reply:
    """A responder that says one thing and marks the turn small talk."""
    context.say([{"text": "(the action's reply)"}])
    return Reply({"kb_stage": None})


def texts(messages: list[dict]) -> list[str]:
    return [m.get("text") or m.get("response") or "" for m in messages]


def test_a_plain_message_gets_the_reply_and_is_recorded(services: Services) -> None:
    result = run(take_turn(message("hello there", "greet", metadata={"browser_id": "b1"}), nothing, services))
    assert texts(result.messages) == ["(the action's reply)"]
    assert result.slots == {"customer": {"browser_id": "b1"}, "kb_stage": None}
    assert not result.paused
    [turn] = TurnLog(services.redis).all("s1")
    assert (turn.text, turn.intent, turn.outcome) == ("hello there", "greet", "")
    assert ContactHistory(services.redis).get("s1") is not None


def test_unreadable_input_is_answered_plainly_and_the_action_is_not_asked(services: Services) -> None:
    result = run(take_turn(message("   ", "greet"), nothing, services))
    assert texts(result.messages) == ["It looks like your message was empty. What can I help you with?"]
    result = run(take_turn(message("x" * 1500, "greet"), nothing, services))
    assert "longer than I can read at once (1,000 characters)" in texts(result.messages)[0]


def test_abuse_is_warned_once_then_the_chat_ends_and_the_customer_is_flagged(services: Services) -> None:
    first = run(take_turn(message("you are a useless idiot", "chitchat"), nothing, services))
    assert "abusive" in texts(first.messages)[0] and first.slots["abuse_warned"] is True
    assert services.redis.get(flag_key("sender:s1")) == b"abusive language"
    second = run(take_turn(message("you are a useless idiot", "chitchat", slots={"abuse_warned": True}), nothing, services))
    assert texts(second.messages) == ["I'm ending this chat now. If you'd like help later, you're welcome to contact us again."]
    assert second.paused and second.outcome == "ended"


def test_a_request_for_a_person_with_no_one_online_becomes_a_ticket(services: Services) -> None:
    result = run(take_turn(message("I want to talk to a human agent now", "request_human"), nothing, services))
    ticket = result.slots["handoff_ticket"]
    assert result.slots["handoff_state"] == "collecting_contact" and result.outcome == "handoff"
    assert "no one from our team is online right now" in texts(result.messages)[0]
    handoff = HandoffQueue(services.redis).get(ticket)
    assert handoff is not None and handoff.state == "ticket"
    assert TurnLog(services.redis).all("s1")[-1].outcome == "handoff"


def test_a_request_for_a_person_with_an_agent_online_is_queued_with_what_was_passed_on(services: Services) -> None:
    heartbeat(services.redis, "alice")
    result = run(take_turn(message("I want to talk to a human agent now", "request_human"), nothing, services))
    assert result.slots["handoff_state"] == "queued"
    said = texts(result.messages)
    assert "You're number 1 in line" in said[0] and said[1].startswith("Here's what I've passed on:")
    assert result.messages[2]["json_message"]["data"]["type"] == "handoff_status"
    # Asked again while waiting: the customer is told they are already in line.
    again = run(take_turn(message("I want to talk to a human agent now", "request_human"), nothing, services))
    assert "already in line" in texts(again.messages)[0]


def test_while_waiting_the_exchange_joins_the_handoffs_transcript(services: Services) -> None:
    heartbeat(services.redis, "alice")
    started = run(take_turn(message("I want to talk to a human agent now", "request_human"), nothing, services))
    run(take_turn(message("my order number is MM-12345", "inform"), nothing, services))
    lines = HandoffQueue(services.redis).transcript(started.slots["handoff_ticket"])
    assert [(line.who, line.text) for line in lines[-2:]] == [
        ("customer", "my order number is MM-12345"), ("bot", "(the action's reply)"),
    ]


def test_a_notice_goes_in_front_of_the_reply_once(services: Services) -> None:
    NoticeBoard(services.redis).post("Our phone lines are closed today", [], 2, "alice")
    first = run(take_turn(message("hello", "greet"), nothing, services))
    assert texts(first.messages)[0].startswith("Please note: Our phone lines are closed today.")
    assert texts(first.messages)[1] == "(the action's reply)"
    assert texts(run(take_turn(message("hello", "greet"), nothing, services)).messages) == ["(the action's reply)"]


def test_with_redis_down_the_outage_step_answers_instead(redis_down: Services) -> None:
    result = run(take_turn(message("where is my refund?", "ask"), nothing, redis_down))
    assert "I can't reach our help centre right now" in texts(result.messages)[0]
    assert result.slots == {}
    ticket = run(take_turn(message("/request_human", "request_human"), nothing, redis_down))
    assert ticket.slots["handoff_state"] == "collecting_contact"
    [record] = redis_down.journal.records()
    assert record["op"] == "open" and record["ticket"] == ticket.slots["handoff_ticket"]


def test_rising_frustration_is_acknowledged_once_before_the_reply(services: Services) -> None:
    upset = message("this is annoying, where is my refund", "ask")
    result = run(take_turn(upset, nothing, services))
    said = texts(result.messages)
    assert said[0].startswith("I'm sorry this has been frustrating.") and said[1] == "(the action's reply)"
    assert result.slots["apologised"] is True
    again = run(take_turn(message("this is annoying, where is my refund", "ask", "s2", slots={"apologised": True}),
                          nothing, services))
    assert texts(again.messages)[-1] == "(the action's reply)" and "apologised" not in again.slots


async def ask(context: TurnContext) -> Reply:
    """A responder that answers the question from the KB (what is recorded is what counts here)."""
    context.say([{"text": "(an answer)"}])
    return Reply(outcome="answer", entries=["refund-status"])


async def bot_challenge(context: TurnContext) -> Reply:
    """Small talk's answer to "are you a bot?", which "nobody helps" is often read as."""
    context.say([{"response": "utter_iamabot"}])
    return Reply()


def test_saying_they_asked_before_gets_one_apology_that_is_the_whole_reply_to_small_talk(services: Services) -> None:
    said = message("this is the third time I'm asking, nobody helps, this is ridiculous", "bot_challenge")
    result = run(take_turn(said, bot_challenge, services))
    [reply] = result.messages
    assert reply["text"].startswith("I'm sorry you've had to ask again. I can pass you to a person straight away")
    assert reply["buttons"][0]["title"] == "Talk to a person"
    assert result.slots["apologised"] is True and result.outcome == ""
    assert HandoffQueue(services.redis).open_for("s1") is None  # offered, not forced


def test_saying_they_asked_before_restates_the_question_asked_here_and_then_replies(services: Services) -> None:
    run(take_turn(message("where is my refund for the lamp?", "kb_question"), ask, services))
    result = run(take_turn(message("I asked you that already, where is my refund?", "kb_question"), nothing, services))
    said = texts(result.messages)
    assert said[0] == ("I'm sorry you've had to ask again. You asked me about “where is my refund for the lamp?”. "
                       "If I can't sort it out now, I can pass you to a person straight away.")
    assert said[1] == "(the action's reply)" and result.slots["apologised"] is True


def test_rising_frustration_in_small_talk_is_acknowledged_without_a_second_reply(services: Services) -> None:
    result = run(take_turn(message("thanks for nothing, this is useless", "thank"), bot_challenge, services))
    assert texts(result.messages) == [
        "I'm sorry this has been frustrating. What can I help you with? If you'd rather talk to a person, just say so.",
    ]
    # Once apologised, small talk gets its own reply again.
    calm = run(take_turn(message("are you a bot?", "bot_challenge", slots={"apologised": True}), bot_challenge,
                         services))
    assert [m.get("response") for m in calm.messages] == ["utter_iamabot"]
