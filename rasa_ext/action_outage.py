"""Makes an unreachable or failing action server give the customer a plain apology.

Rasa 3.6 logs a failed custom action and sends nothing, so the customer would be left in
silence. Rasa builds every custom action as `rasa.core.actions.action.RemoteAction` through a
module-level lookup, so replacing that name with a subclass is enough; it is done once, by
`rasa_ext.server` before Rasa starts. Pinned to Rasa 3.6.x (requirements/rasa.txt).

What was meant for people is not left to the customer to repeat: a request for a person (the
`request_human` intent; only the intent is known here, the action server judges the rest), contact
details for a ticket, or a message for the agent who has the chat (or for whom the customer
waits) is pushed as one JSON record onto the Redis list `handoff:actions_down`. The action server,
once back, moves the records into its outage journal, whose replay opens the ticket with the
whole conversation (handoff.outage_replay). Each record's `id` becomes its journal record's id, so
a record journalled twice (a replica crashing mid take-over) is still applied once. The customer is
told that plainly; if Redis is unreachable too, they get the apology alone.

Like the rest of rasa_ext this reads os.environ (the variables launcher.stack sets for endpoints.yml
and the settings infra.settings defines), not infra.settings.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import time
import uuid
from typing import Any

import redis
from rasa.core.actions import action as rasa_action
from rasa.shared.core.events import BotUttered, Event, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.shared.exceptions import RasaException

from handoff.journal import ACTIONS_DOWN_KEY, new_reference  # stdlib only: importable in Rasa's environment
from rasa_ext.redis_connection import client

logger = logging.getLogger(__name__)

APOLOGY = (
    "I'm sorry, part of our system isn't responding right now, so I can't look that up. "
    "Your message is saved. Please try again in a few minutes, or contact our team directly."
)
REQUEST_RECORDED = (
    "I'm sorry, part of our system isn't responding right now, so I can't pass you to our team yet. "
    "Your request is recorded as ticket {ticket} with this whole conversation, and a person from our "
    "team will follow up. Please leave your e-mail address or phone number so we can reach you."
)
KEPT_FOR_TICKET = (
    "Thank you. Part of our system isn't responding right now, but I've kept that for ticket {ticket}; "
    "our team will see it and follow up."
)
KEPT_FOR_AGENT = (
    "Part of our system isn't responding right now, so your message may reach our team with a short "
    "delay. It is saved, and nothing you write is lost."
)

# Far below Rasa's 5-minute default: a customer should not wait that long for an apology.
ACTION_TIMEOUT_SECONDS = float(os.environ.get("ACTION_TIMEOUT_SECONDS", "30"))


@functools.lru_cache(maxsize=1)
def _redis() -> redis.Redis:
    """The stores' Redis (REDIS_URL, which launcher.stack sets), with short timeouts."""
    return client(socket_connect_timeout=2, socket_timeout=2)


def kept_for_people(tracker: DialogueStateTracker) -> dict[str, Any] | None:
    """What the failed action was to hand to people, as a record for the action server; None if nothing."""
    message = tracker.latest_message
    text = (message.text if message else None) or ""
    intent = (message.intent or {}).get("name") if message else None
    state, ticket = tracker.get_slot("handoff_state"), tracker.get_slot("handoff_ticket")
    record: dict[str, Any] = {"id": uuid.uuid4().hex, "at": time.time(), "sender_id": tracker.sender_id}
    # With its metadata, which holds the uncut text of a message cut for NLU (protocol.metadata.written).
    said = {"text": text, "metadata": (message.metadata if message else None) or {}}
    if ticket and state == "collecting_contact":
        return {**record, "op": "contact", "ticket": ticket, "message": said}
    if ticket and state in ("with_agent", "queued"):  # a customer waiting keeps their place
        return {**record, "op": "line", "ticket": ticket, "message": said}
    if intent == "request_human" or text.startswith("/request_human"):
        # The whole tracker, as Rasa sends it to the action server, so the ticket has the conversation.
        return {**record, "op": "open", "ticket": new_reference(), "tracker": tracker.current_state(EventVerbosity.ALL)}
    return None


def _told(record: dict[str, Any]) -> list[Event]:
    """What the customer is told once their record is kept (and the ticket slots for a new one)."""
    meta = {"error": "action_server_unavailable", "kept": record["op"]}
    if record["op"] == "open":
        return [
            BotUttered(REQUEST_RECORDED.format(ticket=record["ticket"]), metadata=meta),
            SlotSet("handoff_ticket", record["ticket"]), SlotSet("handoff_state", "collecting_contact"),
        ]
    template = KEPT_FOR_TICKET if record["op"] == "contact" else KEPT_FOR_AGENT
    return [BotUttered(template.format(ticket=record["ticket"]), metadata=meta)]


async def keep_or_apologise(tracker: DialogueStateTracker) -> list[Event]:
    """Keep what was meant for people in Redis and say so; else (or with Redis down too) apologise."""
    record = kept_for_people(tracker)
    if record is not None:
        try:
            payload = json.dumps(record, ensure_ascii=False)
            await asyncio.to_thread(_redis().rpush, ACTIONS_DOWN_KEY, payload)
            return _told(record)
        except redis.RedisError as error:
            logger.error("Could not keep the %s for %s in Redis either: %s", record["op"], tracker.sender_id, error)
    return [BotUttered(APOLOGY, metadata={"error": "action_server_unavailable"})]


class ResilientRemoteAction(rasa_action.RemoteAction):
    """A RemoteAction that apologises instead of going silent when the action server fails."""

    async def run(self, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> list[Event]:
        try:
            return await asyncio.wait_for(
                super().run(output_channel, nlg, tracker, domain), ACTION_TIMEOUT_SECONDS
            )
        except rasa_action.ActionExecutionRejection:
            raise  # a deliberate rejection (forms) is Rasa's to handle
        except (RasaException, asyncio.TimeoutError) as error:
            logger.error("Action '%s' failed, apologising to the customer: %s", self.name(), error)
            return await keep_or_apologise(tracker)


def install() -> None:
    """Make Rasa build ResilientRemoteAction wherever it would build a RemoteAction."""
    rasa_action.RemoteAction = ResilientRemoteAction  # type: ignore[misc]
