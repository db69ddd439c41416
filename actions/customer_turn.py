"""The base of every action that answers a customer message: the tracker in, conversation.turn's
pipeline, its result out as dispatcher messages and Rasa events."""

from __future__ import annotations

import abc

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.metrics import count_turn
from actions.runtime import services
from conversation.context import Reply, TurnContext, TurnInput, TurnResult
from conversation.turn import take_turn


def turn_input(tracker: Tracker) -> TurnInput:
    """The customer's message and the conversation's state, as the domain reads them."""
    return TurnInput(
        sender_id=tracker.sender_id, latest=tracker.latest_message, slots=dict(tracker.slots),
        events=list(tracker.events), channel=tracker.get_latest_input_channel() or "",
    )


def dispatch(dispatcher: CollectingDispatcher, result: TurnResult) -> list[EventType]:
    """Send the result's messages; its slot changes (and an ended chat) as Rasa events."""
    for message in result.messages:
        dispatcher.utter_message(**message)
    events: list[EventType] = [SlotSet(name, value) for name, value in result.slots.items()]
    if result.paused:
        events.append(ConversationPaused())
    return events


class CustomerTurnAction(Action, abc.ABC):
    """An action whose reply is `respond`, after the judging every customer turn gets."""

    @abc.abstractmethod
    def name(self) -> str:
        """The action's name in domain.yml."""

    @abc.abstractmethod
    async def respond(self, context: TurnContext) -> Reply:
        """The action's own reply to a message that needs no escalation (a conversation Responder)."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
    ) -> list[EventType]:
        result = await take_turn(turn_input(tracker), self.respond, services())
        await count_turn(tracker.get_slot("handoff_ticket"), result)
        return dispatch(dispatcher, result)
