"""Asking for a person, the agent relay and contact details, through their actions."""

from __future__ import annotations

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionRelayToAgent, ActionRequestHuman, ActionTakeTicket
from conversation.context import Services
from handoff.queue import HandoffQueue
from tests.actions.tracker_fixtures import tracker
from tests.conversation.turn_fixtures import run


def test_the_button_takes_a_ticket_then_contact_details_go_onto_it(action_server: Services) -> None:
    dispatcher = CollectingDispatcher()
    events = run(ActionRequestHuman().run(dispatcher, tracker("/request_human", "request_human"), {}))
    ticket = next(e["value"] for e in events if e["name"] == "handoff_ticket")
    assert SlotSet("handoff_state", "collecting_contact") in events
    assert f"I've opened ticket {ticket}" in dispatcher.messages[0]["text"]
    dispatcher = CollectingDispatcher()
    slots = {"handoff_ticket": ticket, "handoff_state": "collecting_contact"}
    events = run(ActionTakeTicket().run(dispatcher, tracker("sam@example.com", "inform", slots=slots), {}))
    assert events == [SlotSet("handoff_state", None)]
    handoff = HandoffQueue(action_server.redis).get(ticket)
    assert handoff is not None and handoff.contact_details == "sam@example.com"


def test_a_message_for_a_person_who_has_left_gives_the_chat_back_to_the_bot(action_server: Services) -> None:
    dispatcher = CollectingDispatcher()
    events = run(ActionRelayToAgent().run(dispatcher, tracker("are you there?", slots={"handoff_state": "with_agent"}), {}))
    assert events == [SlotSet("handoff_state", None)]
    assert dispatcher.messages[0]["text"].startswith("Sorry, the person you were chatting with has left.")
