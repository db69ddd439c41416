"""What an agent does with a handoff, keeping Redis (the record) and the customer's chat in step.

Redis is changed first, since it decides (claims are atomic there); when the customer then can't
be told, the change is undone where that matters (a claim) or the agent is warned. An agent's
message goes to the customer first, so the transcript never shows a line the customer didn't get.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from desk import metrics
from desk.access import may_claim, may_view, may_work
from desk.customer_chat import CustomerUnreachable, tell
from desk.roles import allowed
from desk.services import Services
from desk.users import User
from handoff.records import Handoff, Line, Who
from protocol.widget import AGENT_JOINED, AGENT_MESSAGE, HANDOFF_ENDED, RATING_REQUEST

MAX_TEXT_CHARS = 4000
SUMMARY_RATINGS_KEY = "desk:summary_ratings"
SUMMARY_RATINGS = {"enough": "Enough", "asked_again": "I had to ask again"}
UNREACHABLE = "The chat server can't be reached right now"

P = ParamSpec("P")
R = TypeVar("R")


class DeskError(Exception):
    """An action that could not be done; `message` is shown to the agent as is."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


@dataclass
class Done:
    """The outcome shown to the agent; `warning` when the customer could not be told."""

    message: str
    warning: str = ""


def _clean(text: str) -> str:
    text = text.strip()
    if not text:
        raise DeskError("Write something first.")
    if len(text) > MAX_TEXT_CHARS:
        raise DeskError(f"That's too long ({len(text)} characters; at most {MAX_TEXT_CHARS}).")
    return text


class Handling:
    """The desk's actions on handoffs, for one app."""

    def __init__(self, services: Services) -> None:
        self.s = services

    async def _run(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        return await asyncio.to_thread(fn, *args, **kwargs)  # the Redis client is synchronous

    async def load(self, ticket: str, user: User, check: Callable[[User, Handoff], bool] = may_view) -> Handoff:
        """The handoff, if `user` may see it (else DeskError 404) and passes `check` (else 409)."""
        handoff = await self._run(self.s.queue.get, ticket)
        if handoff is None or not may_view(user, handoff):
            raise DeskError("No such conversation (or not one you can see).", 404)
        if not check(user, handoff):
            raise DeskError(await self._run(_why_not, handoff, user, self.display), 409)
        return handoff

    def display(self, name: str) -> str:
        """A user's display name (the name itself for a removed user)."""
        user = self.s.users.get(name)
        return user.display_name if user else name

    async def claim(self, ticket: str, user: User) -> Done:
        """Take a waiting customer; of two agents claiming at once exactly one wins, and the
        other is told who has it."""
        handoff = await self._run(self.s.queue.get, ticket)
        if handoff is None or (handoff.audience == "supervisors" and not allowed(user.role, "supervise")):
            raise DeskError("No such conversation (or not one you can see).", 404)
        if not (may_claim(user, handoff) and await self._run(self.s.queue.claim, ticket, user.name)):
            current = await self._run(self.s.queue.get, ticket)
            if current is None:  # erased meanwhile
                raise DeskError("No such conversation (or not one you can see).", 404)
            raise DeskError(await self._run(_why_not, current, user, self.display), 409)
        metrics.taken(handoff, time.time())
        try:
            await tell(self.s.rasa, handoff, [{"type": AGENT_JOINED, "agent": user.display_name}],
                       {"handoff_state": "with_agent"})
        except CustomerUnreachable:
            await self._run(self.s.queue.requeue, ticket, handoff.audience)
            raise DeskError(f"{UNREACHABLE}, so the customer can't be told; they are back in the queue. "
                            "Try again in a moment.", 503) from None
        await self._note(ticket, "system", f"{user.display_name} joined the conversation")
        return Done(f"You have {ticket}.")

    async def send(self, ticket: str, user: User, text: str) -> Done:
        """A chat message to the customer, then into the transcript."""
        handoff = await self.load(ticket, user, _chatting)
        text = _clean(text)
        try:
            await tell(self.s.rasa, handoff, [{"type": AGENT_MESSAGE, "agent": user.display_name, "text": text}])
        except CustomerUnreachable:
            raise DeskError(f"{UNREACHABLE}; your message was not sent. Try again in a moment.", 503) from None
        await self._note(ticket, "agent", text, user.display_name)
        return Done("Sent.")

    async def note(self, ticket: str, user: User, text: str) -> Done:
        """An internal note: in the transcript for colleagues, never sent to the customer."""
        await self.load(ticket, user)
        await self._note(ticket, "note", _clean(text), user.display_name)
        return Done("Note added.")

    async def transfer(self, ticket: str, user: User, to: str) -> Done:
        """To the supervisor queue (`to` == "supervisors") or straight to another agent."""
        handoff = await self.load(ticket, user, _chatting)
        if to == "supervisors":
            await self._run(self.s.queue.requeue, ticket, "supervisors")
            await self._note(ticket, "system", f"{user.display_name} passed the conversation to a supervisor")
            # Waiting again: the bot answers meanwhile; the position pusher sends the queue status.
            return await self._tell_after(handoff, [], {"handoff_state": "queued"}, "Passed to the supervisor queue.")
        target = await self._run(self.s.users.get, to)
        if target is None or not allowed(target.role, "desk") or target.name == handoff.agent:
            raise DeskError("Choose another agent.")
        await self._run(self.s.queue.assign, ticket, target.name)
        await self._note(ticket, "system", f"{user.display_name} passed the conversation to {target.display_name}")
        return await self._tell_after(handoff, [{"type": AGENT_JOINED, "agent": target.display_name}], None,
                                      f"Passed to {target.display_name}.")

    async def resolve(self, ticket: str, user: User) -> Done:
        """Close as solved; a live customer is asked for a rating, an offline ticket just closes."""
        handoff = await self.load(ticket, user, may_work)
        await self._run(self.s.queue.close, ticket, "resolved")
        await self._run(self.s.contacts.set_outcome, handoff.sender_id, "resolved")
        await self._note(ticket, "system", f"{user.display_name} resolved the conversation")
        if handoff.state == "ticket":
            return Done("Ticket resolved.")
        return await self._tell_after(handoff, [{"type": RATING_REQUEST, "ticket": ticket}],
                                      {"handoff_state": None}, "Resolved; the customer was asked for a rating.")

    async def give_back(self, ticket: str, user: User) -> Done:
        """Return the chat to the bot."""
        handoff = await self.load(ticket, user, _chatting)
        await self._run(self.s.queue.close, ticket, "returned")
        await self._note(ticket, "system", f"{user.display_name} gave the conversation back to the bot")
        return await self._tell_after(handoff, [{"type": HANDOFF_ENDED, "to": "bot"}],
                                      {"handoff_state": None}, "Given back to the bot.")

    async def rate_summary(self, ticket: str, user: User, value: str) -> Done:
        """One click on the summary: was it enough? Counted per value for supervisors."""
        if value not in SUMMARY_RATINGS:
            raise DeskError("Unknown rating.")
        handoff = await self.load(ticket, user)
        if handoff.summary_rating != value:
            pipe = self.s.redis.pipeline(transaction=True)
            if handoff.summary_rating:
                pipe.hincrby(SUMMARY_RATINGS_KEY, handoff.summary_rating, -1)
            pipe.hincrby(SUMMARY_RATINGS_KEY, value, 1)
            await self._run(pipe.execute)
            await self._run(self.s.queue.update, ticket, summary_rating=value)
        return Done("Thanks, noted.")

    async def _note(self, ticket: str, who: Who, text: str, name: str = "") -> None:
        await self._run(self.s.queue.append, ticket, Line(who, text, name=name))

    async def _tell_after(self, handoff: Handoff, payloads: list[dict], slots: dict | None, message: str) -> Done:
        """Tell the customer after the record changed; if that fails the change stands, with a warning."""
        try:
            await tell(self.s.rasa, handoff, payloads, slots)
        except CustomerUnreachable:
            return Done(message, f"{UNREACHABLE}, so the customer hasn't been told yet.")
        return Done(message)


def _chatting(user: User, handoff: Handoff) -> bool:
    """Live chat actions need a live customer: not an offline ticket."""
    return handoff.state == "assigned" and may_work(user, handoff)


def _why_not(handoff: Handoff, user: User, display: Callable[[str], str]) -> str:
    if handoff.state == "assigned" and handoff.agent != user.name:
        return f"{display(handoff.agent)} already took this conversation."
    if handoff.state in ("resolved", "returned"):
        return f"This conversation is closed ({handoff.state})."
    if handoff.state == "queued":
        return "This conversation is waiting in the queue; take it first."
    return "You can't do that with this conversation."
