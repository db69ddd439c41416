"""The customer's yes or no after an answer or a clarifying question."""

from __future__ import annotations

from rasa_sdk.events import SlotSet

from actions import replies
from actions.customer_turn import CustomerTurnAction, Reply
from actions.kb_answer import answered, utter
from actions.kb_gaps import note_gap
from actions.runtime import call_kb, knowledge_base, redis_client
from customers.contacts import ContactHistory


class ActionKBFeedback(CustomerTurnAction):
    """Yes: close the loop and suggest a related entry. No: next-best entry, else a person."""

    def name(self) -> str:
        return "action_kb_feedback"

    async def respond(self, dispatcher, tracker, domain, context) -> Reply:
        stage = tracker.get_slot("kb_stage")
        shown: list[str] = tracker.get_slot("kb_shown") or []
        kb = knowledge_base()
        if context.intent == "affirm":
            if stage != "answered" or not shown:
                dispatcher.utter_message(text="Great! What else can I help you with?")
                return Reply()
            related = await call_kb(dispatcher, lambda: kb.first_related(shown[-1], exclude=shown))
            await call_kb(dispatcher, lambda: ContactHistory(redis_client()).set_outcome(context.sender_id, "resolved"))
            utter(dispatcher, replies.glad(related))
            return Reply([SlotSet("kb_stage", None)])
        if stage not in ("answered", "clarifying"):
            dispatcher.utter_message(text="All right. What can I help you with?")
            return Reply()
        # The customer said no to the answer (or to every choice offered): a gap for content owners.
        rejected = shown[-1:] if stage == "answered" else shown
        await note_gap(tracker.sender_id, tracker.get_slot("kb_question") or "", "rejected", rejected)
        candidates: list[str] = tracker.get_slot("kb_candidates") or []
        remaining = [c for c in candidates if c not in shown]
        next_entry = await call_kb(dispatcher, lambda: kb.entry(remaining[0])) if remaining and stage == "answered" else None
        if next_entry is not None:
            utter(dispatcher, replies.answer(next_entry, lead="Sorry about that. Maybe this is closer:"))
            return Reply(answered(next_entry, shown), "answer", [next_entry.id])
        utter(dispatcher, replies.exhausted())
        return Reply([SlotSet("kb_stage", "exhausted")], "dont_know")
