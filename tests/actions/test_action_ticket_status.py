"""A ticket's status asked through the action (tests/actions/test_ticket_status.py would clash by name)."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.ticket_status import ActionTicketStatus
from conversation.context import Services
from tests.actions.tracker_fixtures import tracker
from tests.conversation.turn_fixtures import run


def test_without_a_number_the_customer_is_asked_which(action_server: Services) -> None:
    dispatcher = CollectingDispatcher()
    run(ActionTicketStatus().run(dispatcher, tracker("how is my ticket doing?", "ticket_status"), {}))
    assert dispatcher.messages[0]["text"].startswith("Which ticket? Its number is in the message")


def test_a_question_without_ticket_words_goes_to_the_kb(action_server: Services) -> None:
    dispatcher = CollectingDispatcher()
    run(ActionTicketStatus().run(dispatcher, tracker("what is the status of my refund", "ticket_status"), {}))
    assert dispatcher.messages[-1]["text"] in ("Did that answer your question?",
                                                "I found a few possible answers. Which one fits your question best?")
