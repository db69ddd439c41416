"""Greetings and small talk: a returning customer's unresolved issue, the rating at goodbye."""

from __future__ import annotations

from conversation.context import Services, TurnContext
from conversation.input_check import check_text
from conversation.small_talk_reply import greet, small_talk
from customers.contacts import ContactHistory
from detection import assess
from handoff.turns import TurnRecord
from tests.conversation.turn_fixtures import message, run

SAM = {"id": "c-42", "email": "sam@example.com", "name": "Sam", "verified": True}


def context(services: Services, text: str, intent: str, customer: dict, turns: list[TurnRecord] | None = None) -> TurnContext:
    return TurnContext(message(text, intent), customer, turns or [], assess([]), check_text(text, 1000), services)


def test_a_signed_customer_back_about_an_unresolved_issue_hears_its_topic(services: Services) -> None:
    ContactHistory(services.redis).touch("earlier", ["id:c-42"], [], "ask", "my refund for sam@example.com")
    hello = context(services, "/greet", "greet", SAM)
    run(greet(hello))
    assert hello.said[0]["text"].startswith(
        "Welcome back, Sam. I see you contacted us once recently about “my refund for [e-mail]”"
    )


def test_a_new_customer_is_greeted_by_name(services: Services) -> None:
    hello = context(services, "/greet", "greet", SAM)
    run(greet(hello))
    assert hello.said == [{"response": "utter_greet_name", "name": "Sam"}]


def test_goodbye_asks_for_a_rating_only_after_a_question_and_never_after_a_handoff(services: Services) -> None:
    asked = [TurnRecord("where is my refund", "ask", "answer")]
    bye = context(services, "bye", "goodbye", {}, asked)
    run(small_talk(bye))
    assert bye.said[1]["json_message"]["data"]["type"] == "rating_request"
    handed_off = context(services, "bye", "goodbye", {}, [*asked, TurnRecord("a person", "request_human", "handoff")])
    run(small_talk(handed_off))
    assert handed_off.said == [{"response": "utter_goodbye"}]
    thanks = context(services, "thanks", "thank", {}, asked)
    run(small_talk(thanks))
    assert thanks.said == [{"response": "utter_you_are_welcome"}]
