"""The customer's yes or no after an answer or a clarifying question."""

from __future__ import annotations

from actions.customer_turn import CustomerTurnAction
from conversation import kb_reply
from conversation.context import Reply, TurnContext


class ActionKBFeedback(CustomerTurnAction):
    """Yes: close the loop and suggest a related entry. No: next-best entry, else a person."""

    def name(self) -> str:
        return "action_kb_feedback"

    async def respond(self, context: TurnContext) -> Reply:
        return await kb_reply.feedback(context)
