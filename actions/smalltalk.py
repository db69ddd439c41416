"""Greetings, small talk and what the assistant can do (conversation.small_talk_reply decides)."""

from __future__ import annotations

from actions.customer_turn import CustomerTurnAction
from conversation import small_talk_reply
from conversation.context import Reply, TurnContext


class ActionGreet(CustomerTurnAction):
    """Greets; a repeat contact about an unresolved issue is told so and offered a person at once."""

    def name(self) -> str:
        return "action_greet"

    async def respond(self, context: TurnContext) -> Reply:
        return await small_talk_reply.greet(context)


class ActionSmallTalk(CustomerTurnAction):
    """Goodbye, thanks and "are you a bot?": the domain's responses, after the usual judging."""

    def name(self) -> str:
        return "action_small_talk"

    async def respond(self, context: TurnContext) -> Reply:
        return await small_talk_reply.small_talk(context)


class ActionCapabilities(CustomerTurnAction):
    """Says what the assistant can help with, from the categories the KB holds now."""

    def name(self) -> str:
        return "action_capabilities"

    async def respond(self, context: TurnContext) -> Reply:
        return await small_talk_reply.capabilities(context)
