"""What a step of a customer turn works with: the message, the conversation so far, the services,
and what the step says back (TurnContext), and what it made of the message (Reply)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import redis
from redis.exceptions import RedisError

from conversation import replies
from conversation.input_check import CheckedText
from conversation.replies import Message
from detection import Assessment
from handoff.journal import OutageJournal
from handoff.turns import TurnRecord
from infra.settings import Settings
from kb.service import KnowledgeBase
from protocol.metadata import intent_name, written

logger = logging.getLogger(__name__)
T = TypeVar("T")

ENDED = "ended"  # the outcome of a chat ended for abuse: nothing follows the last word


@dataclass(frozen=True)
class Services:
    """The process's shared objects a turn uses (actions.runtime makes them)."""

    settings: Settings
    redis: redis.Redis
    knowledge_base: KnowledgeBase
    journal: OutageJournal  # tickets and messages taken while Redis is down
    identity_secret: str  # what the website signs identities with (customers.identity)


@dataclass(frozen=True)
class TurnInput:
    """A customer message as Rasa's tracker has it, read by the action and nothing more."""

    sender_id: str
    latest: Mapping[str, Any]  # the latest user message: text, intent, entities, metadata
    slots: Mapping[str, Any]
    events: list[dict[str, Any]]  # the tracker's events, for a handoff's transcript
    channel: str  # the latest message's input channel

    @property
    def text(self) -> str:
        """What the customer wrote, uncut (protocol.metadata)."""
        return written(self.latest)

    @property
    def intent(self) -> str:
        return intent_name(self.latest)

    def slot(self, name: str) -> Any:
        return self.slots.get(name)

    def entity(self, name: str) -> Any:
        """The first value of the entity `name` (without a role or group) in the message, or None:
        rasa-sdk's `next(tracker.get_latest_entity_values(name), None)`."""
        return next((e.get("value") for e in self.latest.get("entities") or []
                     if e.get("entity") == name and e.get("role") is None and e.get("group") is None), None)


@dataclass
class Reply:
    """What a step made of a message: the slots it changes and how the KB fared."""

    slots: dict[str, Any] = field(default_factory=dict)
    outcome: str = ""  # a kb.decide reply kind | "handoff" | ENDED | ""
    entries: list[str] = field(default_factory=list)
    paused: bool = False  # the conversation ends here (Rasa's ConversationPaused)


@dataclass
class TurnContext:
    """The conversation so far, as the judging and the reply need it, and what the bot says."""

    input: TurnInput
    customer: dict[str, Any]  # the `customer` slot after this message (customers.profile)
    turns: list[TurnRecord]  # the turns before this one
    assessment: Assessment
    checked: CheckedText  # the text cleaned for searching, or why it can't be
    services: Services
    said: list[Message] = field(default_factory=list)

    @property
    def sender_id(self) -> str:
        return self.input.sender_id

    @property
    def text(self) -> str:
        return self.input.text

    @property
    def intent(self) -> str:
        return self.input.intent

    def say(self, messages: list[Message]) -> None:
        """Send every message of a reply (in order, after what was said before)."""
        self.said.extend(messages)

    async def off_loop(self, work: Callable[[], T]) -> T | None:
        """Run blocking work (encoding, FAISS, Redis) off the event loop.

        rasa-sdk runs actions on its event loop; blocking it would stall every other
        conversation. On a Redis outage the customer is told so, and None is returned.
        """
        try:
            return await asyncio.to_thread(work)
        except RedisError as error:
            logger.error("Knowledge base store unreachable: %s", error)
            self.say(replies.kb_unavailable())
            return None


Responder = Callable[[TurnContext], Awaitable[Reply]]


@dataclass(frozen=True)
class TurnResult:
    """What the action turns into dispatcher messages and Rasa events."""

    messages: list[Message]
    slots: dict[str, Any]
    paused: bool = False
    outcome: str = ""
