"""The customer-turn base: the tracker read into a TurnInput, the result sent and returned as events."""

from __future__ import annotations

from rasa_sdk.events import ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.customer_turn import dispatch, turn_input
from conversation.context import TurnResult
from protocol.metadata import FULL_TEXT_KEY
from tests.actions.tracker_fixtures import tracker


def test_the_tracker_is_read_into_a_turn_input() -> None:
    read = turn_input(tracker("cut", "ask", slots={"kb_stage": "answered"}, entities={"entry_id": "refund-status"},
                              metadata={FULL_TEXT_KEY: "cut, and the rest"}))
    assert (read.sender_id, read.text, read.intent, read.channel) == ("s1", "cut, and the rest", "ask", "socketio")
    assert read.slot("kb_stage") == "answered" and read.entity("entry_id") == "refund-status"
    assert [e["event"] for e in read.events] == ["user"]


def test_the_result_is_sent_and_returned_as_events() -> None:
    dispatcher = CollectingDispatcher()
    result = TurnResult([{"text": "Hello"}, {"response": "utter_greet", "name": "Sam"}],
                        {"customer": {"name": "Sam"}, "abuse_warned": True}, paused=True)
    events = dispatch(dispatcher, result)
    assert [m["text"] for m in dispatcher.messages] == ["Hello", None]
    assert dispatcher.messages[1]["response"] == "utter_greet" and dispatcher.messages[1]["name"] == "Sam"
    assert events == [SlotSet("customer", {"name": "Sam"}), SlotSet("abuse_warned", True), ConversationPaused()]
