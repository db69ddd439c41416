"""A customer asks how their ticket is doing (conversation.ticket_reply answers)."""

from __future__ import annotations

from actions.customer_turn import CustomerTurnAction
from conversation.context import Reply, TurnContext
from conversation.ticket_reply import ticket_status


class ActionTicketStatus(CustomerTurnAction):
    """Tells the state of the tickets named in the message, or of the customer's own latest one."""

    def name(self) -> str:
        return "action_ticket_status"

    async def respond(self, context: TurnContext) -> Reply:
        return await ticket_status(context)
