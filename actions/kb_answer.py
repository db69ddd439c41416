"""Answering a question from the knowledge base, and answering with a chosen entry."""

from __future__ import annotations

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.customer_turn import CustomerTurnAction, Reply
from actions.kb_gaps import note_gap
from actions.runtime import call_kb, knowledge_base
from handoff.turns import rejected_entries
from kb.entry import Entry


def utter(dispatcher: CollectingDispatcher, messages: list[replies.Message]) -> None:
    """Send every message of a reply."""
    for message in messages:
        dispatcher.utter_message(**message)


def answered(entry: Entry, shown: list[str]) -> list[EventType]:
    """Slots after showing `entry`: it awaits a yes or no."""
    return [SlotSet("kb_stage", "answered"), SlotSet("kb_shown", [*shown, entry.id])]


class ActionKBAnswer(CustomerTurnAction):
    """Searches the KB for the customer's message: answer, clarify, or say it doesn't know."""

    def name(self) -> str:
        return "action_kb_answer"

    async def respond(self, dispatcher, tracker, domain, context) -> Reply:
        # The base class has already refused text that can't be searched.
        query = context.checked.text
        kb = knowledge_base()
        # What the customer already said no to in this chat is not offered again (playbook:
        # skip the steps they already tried).
        result = await call_kb(dispatcher, lambda: kb.ask(query, exclude=rejected_entries(context.turns)))
        if result is None:
            return Reply()
        if result.left_out:
            dispatcher.utter_message(text=replies.left_out([e.title for e in result.left_out]))
        events: list[EventType] = [
            SlotSet("kb_question", query),
            SlotSet("kb_candidates", [h.entry_id for h in result.hits if kb.is_plausible(h)]),
        ]
        chosen = [result.entries[h.entry_id] for h in result.decision.hits]
        ids = [e.id for e in chosen]
        if result.decision.kind == "answer":
            utter(dispatcher, replies.answer(chosen[0]))
            return Reply(events + answered(chosen[0], []), "answer", ids)
        if result.decision.kind == "clarify":
            utter(dispatcher, replies.clarify(chosen))
            return Reply(events + [SlotSet("kb_stage", "clarifying"), SlotSet("kb_shown", ids)], "clarify", ids)
        utter(dispatcher, replies.dont_know())
        await note_gap(tracker.sender_id, query, "unanswered", [])
        return Reply(events + [SlotSet("kb_stage", None), SlotSet("kb_shown", [])], "dont_know")


class ActionKBChoose(CustomerTurnAction):
    """Answers with the entry a button named (a clarify choice or a related entry)."""

    def name(self) -> str:
        return "action_kb_choose"

    async def respond(self, dispatcher, tracker, domain, context) -> Reply:
        entry_id = next(tracker.get_latest_entity_values("entry_id"), None)
        kb = knowledge_base()
        entry = await call_kb(dispatcher, lambda: kb.entry(entry_id)) if entry_id else None
        if entry is None:
            dispatcher.utter_message(text="Sorry, that answer isn't available any more. What would you like to know?")
            return Reply([SlotSet("kb_stage", None)])
        utter(dispatcher, replies.answer(entry))
        return Reply(answered(entry, tracker.get_slot("kb_shown") or []), "answer", [entry.id])
