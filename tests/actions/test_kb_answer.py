"""The KB actions on the real knowledge base: answer, clarify, don't know, and a chosen entry."""

from __future__ import annotations

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.kb_answer import ActionKBAnswer, ActionKBChoose
from conversation.context import Services
from handoff.turns import TurnLog
from kb.gaps import GapLog
from tests.actions.tracker_fixtures import tracker
from tests.conversation.turn_fixtures import run


def test_a_clear_question_is_answered_and_awaits_a_yes_or_no(action_server: Services) -> None:
    dispatcher = CollectingDispatcher()
    events = run(ActionKBAnswer().run(dispatcher, tracker("When will I get my refund?", "ask"), {}))
    assert dispatcher.messages[0]["text"].startswith("The answer to: Where is my refund?")
    assert dispatcher.messages[1]["text"] == "Did that answer your question?"
    assert SlotSet("kb_stage", "answered") in events and SlotSet("kb_shown", ["refund-status"]) in events
    assert TurnLog(action_server.redis).all("s1")[-1].outcome == "answer"


def test_an_unknown_question_is_a_gap(action_server: Services) -> None:
    dispatcher = CollectingDispatcher()
    events = run(ActionKBAnswer().run(dispatcher, tracker("Do you repair bicycles on Sundays?", "ask"), {}))
    assert "I don't have an answer for that" in dispatcher.messages[0]["text"]
    assert SlotSet("kb_stage", None) in events
    assert [(g.question, g.kind) for g in GapLog(action_server.redis).all()] == [("Do you repair bicycles on Sundays?", "unanswered")]


def test_a_chosen_entry_is_answered(action_server: Services) -> None:
    dispatcher = CollectingDispatcher()
    chose = tracker('/kb_choose{"entry_id": "payment-methods"}', "kb_choose", entities={"entry_id": "payment-methods"})
    events = run(ActionKBChoose().run(dispatcher, chose, {}))
    assert dispatcher.messages[0]["text"].startswith("The answer to: What payment methods do you accept?")
    assert SlotSet("kb_shown", ["payment-methods"]) in events
    gone = tracker('/kb_choose{"entry_id": "gone"}', "kb_choose", entities={"entry_id": "gone"})
    dispatcher = CollectingDispatcher()
    run(ActionKBChoose().run(dispatcher, gone, {}))
    assert dispatcher.messages[0]["text"].startswith("Sorry, that answer isn't available any more.")
