"""Answering a question from the knowledge base, and answering with a chosen entry."""

from __future__ import annotations

from actions.customer_turn import CustomerTurnAction
from conversation import kb_reply
from conversation.context import Reply, TurnContext


class ActionKBAnswer(CustomerTurnAction):
    """Searches the KB for the customer's message: answer, clarify, or say it doesn't know."""

    def name(self) -> str:
        return "action_kb_answer"

    async def respond(self, context: TurnContext) -> Reply:
        return await kb_reply.answer(context)


class ActionKBChoose(CustomerTurnAction):
    """Answers with the entry a button named (a clarify choice or a related entry)."""

    def name(self) -> str:
        return "action_kb_choose"

    async def respond(self, context: TurnContext) -> Reply:
        return await kb_reply.choose(context)
