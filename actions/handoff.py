"""Handing a conversation to people: asking for a person, the agent relay, contact details for a ticket."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.customer_turn import CustomerTurnAction, dispatch, turn_input
from actions.runtime import services
from conversation.context import Reply, TurnContext
from conversation.handoff_reply import relay_to_agent, request_human, take_contact


class ActionRequestHuman(CustomerTurnAction):
    """Rasa's intent says the customer asked for a person (conversation.handoff_reply.request_human)."""

    def name(self) -> str:
        return "action_request_human"

    async def respond(self, context: TurnContext) -> Reply:
        return await request_human(context)


class ActionRelayToAgent(Action):
    """While a person has the chat: pass the customer's message to the desk, say nothing."""

    def name(self) -> str:
        return "action_relay_to_agent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return dispatch(dispatcher, await relay_to_agent(turn_input(tracker), services()))


class ActionTakeTicket(Action):
    """While taking a ticket: the customer's contact details go onto it."""

    def name(self) -> str:
        return "action_take_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return dispatch(dispatcher, await take_contact(turn_input(tracker), services()))
