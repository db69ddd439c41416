"""Greetings, small talk and capabilities through their actions."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.smalltalk import ActionCapabilities, ActionGreet, ActionSmallTalk
from conversation.context import Services
from customers.contacts import ContactHistory
from handoff.turns import TurnLog, TurnRecord
from tests.actions.tracker_fixtures import tracker
from tests.conversation.turn_fixtures import run


def test_a_greeting_uses_the_domains_response(action_server: Services) -> None:
    dispatcher = CollectingDispatcher()
    run(ActionGreet().run(dispatcher, tracker("/greet", "greet"), {}))
    assert [m["response"] for m in dispatcher.messages] == ["utter_greet"]


def test_a_returning_customer_with_an_unresolved_issue_is_offered_a_person(action_server: Services) -> None:
    ContactHistory(action_server.redis).touch("earlier", ["browser:b1"], [], "ask", "my refund never came")
    dispatcher = CollectingDispatcher()
    run(ActionGreet().run(dispatcher, tracker("/greet", "greet", metadata={"browser_id": "b1"}), {}))
    assert dispatcher.messages[0]["text"].startswith("Welcome back. I see you contacted us once recently")
    assert dispatcher.messages[0]["buttons"][0]["payload"] == "/request_human"


def test_goodbye_after_a_question_asks_for_a_rating(action_server: Services) -> None:
    TurnLog(action_server.redis).append("s1", TurnRecord("where is my refund", "ask", "answer"))
    dispatcher = CollectingDispatcher()
    run(ActionSmallTalk().run(dispatcher, tracker("bye", "goodbye"), {}))
    assert dispatcher.messages[0]["response"] == "utter_goodbye"
    assert dispatcher.messages[1]["custom"] == {"data": {"type": "rating_request", "ticket": ""}}


def test_capabilities_name_the_kbs_categories(action_server: Services) -> None:
    dispatcher = CollectingDispatcher()
    run(ActionCapabilities().run(dispatcher, tracker("what can you do", "capabilities"), {}))
    text = dispatcher.messages[0]["text"]
    assert text.startswith("I can answer questions about ") and text.endswith("I'll pass you to a person.")
    assert all(category in text for category in ("account", "delivery", "payments", "refunds"))
