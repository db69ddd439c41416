"""The yes or no after an answer, through the action."""

from __future__ import annotations

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.kb_feedback import ActionKBFeedback
from conversation.context import Services
from customers.contacts import ContactHistory
from handoff.turns import TurnLog, TurnRecord
from tests.actions.tracker_fixtures import tracker
from tests.conversation.turn_fixtures import run

ANSWERED = {"kb_stage": "answered", "kb_shown": ["reset-password"], "kb_question": "I forgot my password",
            "kb_candidates": ["reset-password", "refund-status"]}


def test_yes_resolves_the_contact_and_offers_a_related_entry(action_server: Services) -> None:
    dispatcher = CollectingDispatcher()
    events = run(ActionKBFeedback().run(dispatcher, tracker("yes", "affirm", slots=ANSWERED), {}))
    assert dispatcher.messages[0]["text"] == "Great, glad that helped! People who ask this often also ask:"
    assert dispatcher.messages[0]["buttons"][0]["title"] == "Where is my refund?"
    assert SlotSet("kb_stage", None) in events
    contact = ContactHistory(action_server.redis).get("s1")
    assert contact is not None and contact.outcome == "resolved"


def test_no_offers_the_next_candidate(action_server: Services) -> None:
    TurnLog(action_server.redis).append("s1", TurnRecord("I forgot my password", "ask", "answer", ["reset-password"]))
    dispatcher = CollectingDispatcher()
    events = run(ActionKBFeedback().run(dispatcher, tracker("no", "deny", slots=ANSWERED), {}))
    said = [m["text"] for m in dispatcher.messages]
    assert any(text.startswith("Sorry about that. Maybe this is closer:\n\nThe answer to: Where is my refund?")
               for text in said)
    assert SlotSet("kb_shown", ["reset-password", "refund-status"]) in events
