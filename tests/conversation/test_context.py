"""What a turn's steps work with: the message read from the tracker, blocking work off the loop."""

from __future__ import annotations

from conversation.context import Services, TurnContext
from conversation.input_check import check_text
from detection import assess
from protocol.metadata import FULL_TEXT_KEY
from tests.conversation.turn_fixtures import message, run


def test_the_input_gives_the_uncut_text_the_intent_slots_and_first_entity_values() -> None:
    turn = message("cut", "ask", slots={"kb_stage": "answered"}, entities={"entry_id": "e1"},
                   metadata={FULL_TEXT_KEY: "cut, and the rest"})
    assert (turn.text, turn.intent, turn.slot("kb_stage"), turn.slot("nothing")) == ("cut, and the rest", "ask",
                                                                                      "answered", None)
    assert turn.entity("entry_id") == "e1" and turn.entity("score") is None


def test_work_that_finds_redis_down_tells_the_customer_once_and_gives_none(redis_down: Services) -> None:
    context = TurnContext(message("hi"), {}, [], assess([]), check_text("hi", 1000), redis_down)
    assert run(context.off_loop(redis_down.redis.ping)) is None
    assert len(context.said) == 1 and "I can't reach our help centre" in context.said[0]["text"]
    assert run(context.off_loop(lambda: 42)) == 42
