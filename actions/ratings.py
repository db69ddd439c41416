"""The customer's 1-5 rating of a chat (conversation.rating_reply keeps it)."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.customer_turn import dispatch, turn_input
from actions.runtime import services
from conversation.rating_reply import store_rating


class ActionStoreRating(Action):
    """The customer's 1-5 rating (and comment): of the chat with a person the form names, else of the bot."""

    def name(self) -> str:
        return "action_store_rating"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return dispatch(dispatcher, await store_rating(turn_input(tracker), services()))
