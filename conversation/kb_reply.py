"""Replies from the knowledge base: answer a question, answer with a chosen entry, take a yes or no."""

from __future__ import annotations

from typing import Any

from conversation import replies
from conversation.context import Reply, TurnContext
from conversation.gap_record import note_gap
from customers.contacts import ContactHistory
from handoff.turns import rejected_entries
from kb.entry import Entry
from protocol.replies import ANSWER, CLARIFY, DONT_KNOW

GONE = "Sorry, that answer isn't available any more. What would you like to know?"
AFFIRM_WITHOUT_ANSWER = "Great! What else can I help you with?"
DENY_WITHOUT_ANSWER = "All right. What can I help you with?"


def answered(entry: Entry, shown: list[str]) -> dict[str, Any]:
    """Slots after showing `entry`: it awaits a yes or no."""
    return {"kb_stage": "answered", "kb_shown": [*shown, entry.id]}


async def answer(context: TurnContext) -> Reply:
    """Search the KB for the customer's message: answer, clarify, or say it doesn't know."""
    # The turn's input check has already refused text that can't be searched.
    query = context.checked.text
    kb = context.services.knowledge_base
    # What the customer already said no to in this chat is not offered again (playbook:
    # skip the steps they already tried).
    result = await context.off_loop(lambda: kb.ask(query, exclude=rejected_entries(context.turns)))
    if result is None:
        return Reply()
    if result.left_out:
        context.say([{"text": replies.left_out([e.title for e in result.left_out])}])
    slots: dict[str, Any] = {
        "kb_question": query, "kb_candidates": [h.entry_id for h in result.hits if kb.is_plausible(h)],
    }
    chosen = [result.entries[h.entry_id] for h in result.decision.hits]
    ids = [e.id for e in chosen]
    if result.decision.kind == ANSWER:
        context.say(replies.answer(chosen[0]))
        return Reply({**slots, **answered(chosen[0], [])}, ANSWER, ids)
    if result.decision.kind == CLARIFY:
        context.say(replies.clarify(chosen))
        return Reply({**slots, "kb_stage": "clarifying", "kb_shown": ids}, CLARIFY, ids)
    context.say(replies.dont_know())
    await note_gap(context.services, context.sender_id, query, "unanswered", [])
    return Reply({**slots, "kb_stage": None, "kb_shown": []}, DONT_KNOW)


async def choose(context: TurnContext) -> Reply:
    """Answer with the entry a button named (a clarify choice or a related entry)."""
    entry_id = context.input.entity("entry_id")
    kb = context.services.knowledge_base
    entry = await context.off_loop(lambda: kb.entry(entry_id)) if entry_id else None
    if entry is None:
        context.say([{"text": GONE}])
        return Reply({"kb_stage": None})
    context.say(replies.answer(entry))
    return Reply(answered(entry, context.input.slot("kb_shown") or []), ANSWER, [entry.id])


async def feedback(context: TurnContext) -> Reply:
    """Yes: close the loop and suggest a related entry. No: next-best entry, else a person."""
    stage = context.input.slot("kb_stage")
    shown: list[str] = context.input.slot("kb_shown") or []
    services = context.services
    kb = services.knowledge_base
    if context.intent == "affirm":
        if stage != "answered" or not shown:
            context.say([{"text": AFFIRM_WITHOUT_ANSWER}])
            return Reply()
        related = await context.off_loop(lambda: kb.first_related(shown[-1], exclude=shown))
        await context.off_loop(lambda: ContactHistory(services.redis).set_outcome(context.sender_id, "resolved"))
        context.say(replies.glad(related))
        return Reply({"kb_stage": None})
    if stage not in ("answered", "clarifying"):
        context.say([{"text": DENY_WITHOUT_ANSWER}])
        return Reply()
    # The customer said no to the answer (or to every choice offered): a gap for content owners.
    rejected = shown[-1:] if stage == "answered" else shown
    await note_gap(services, context.sender_id, context.input.slot("kb_question") or "", "rejected", rejected)
    candidates: list[str] = context.input.slot("kb_candidates") or []
    remaining = [c for c in candidates if c not in shown]
    next_entry = await context.off_loop(lambda: kb.entry(remaining[0])) if remaining and stage == "answered" else None
    if next_entry is not None:
        context.say(replies.answer(next_entry, lead="Sorry about that. Maybe this is closer:"))
        return Reply(answered(next_entry, shown), ANSWER, [next_entry.id])
    context.say(replies.exhausted())
    return Reply({"kb_stage": "exhausted"}, DONT_KNOW)
