"""A rating through its action (tests/actions/test_ratings.py would clash by name with reports')."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.ratings import ActionStoreRating
from conversation.context import Services
from reports.ratings import FeedbackLog
from tests.actions.tracker_fixtures import tracker
from tests.conversation.turn_fixtures import run


def test_a_rating_of_the_bot_is_kept(action_server: Services) -> None:
    dispatcher = CollectingDispatcher()
    rate = tracker('/rate{"score": 4}', "rate", entities={"score": 4, "comment": "quick"})
    assert run(ActionStoreRating().run(dispatcher, rate, {})) == []
    assert dispatcher.messages[0]["text"] == "Thank you for your feedback! It helps us improve."
    assert FeedbackLog(action_server.redis).rated("bot", "s1")


def test_a_rating_out_of_range_is_refused(action_server: Services) -> None:
    dispatcher = CollectingDispatcher()
    run(ActionStoreRating().run(dispatcher, tracker('/rate{"score": 9}', "rate", entities={"score": 9}), {}))
    assert dispatcher.messages[0]["text"] == "Sorry, I couldn't read that rating. Please choose 1 to 5 stars."
