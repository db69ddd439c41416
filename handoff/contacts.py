"""Contact history: one record per conversation, found again by any of the customer's identities.

A customer is known by the id and e-mail the host website passes to the widget, an e-mail or
order number given in the chat, or a returning browser. Records and indexes expire after
90 days, so the history stays bounded.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Literal

import redis

Outcome = Literal["open", "resolved", "handed_off", "abandoned"]
RETENTION_SECONDS = 90 * 24 * 3600
STARTED_KEY = "contacts:started"  # sorted set: every conversation by when it started, for the report
# A conversation still "open" after this long without a word was abandoned (Rasa's session length).
ABANDONED_AFTER_SECONDS = 3600


@dataclass
class Contact:
    """One conversation as the history remembers it."""

    sender_id: str
    started_at: float
    updated_at: float
    identities: list[str] = field(default_factory=list)
    entries: list[str] = field(default_factory=list)  # KB entries shown
    intents: list[str] = field(default_factory=list)
    outcome: Outcome = "open"
    ticket: str = ""
    topic: str = ""  # the first question, in the customer's words

    def effective_outcome(self, now: float) -> Outcome:
        """The outcome, with long-silent open conversations counted as abandoned."""
        if self.outcome == "open" and now - self.updated_at > ABANDONED_AFTER_SECONDS:
            return "abandoned"
        return self.outcome


def identities(customer: dict[str, Any]) -> list[str]:
    """Identity keys from what the widget or the chat told us (id, e-mail, orders, browser)."""
    keys = []
    if customer.get("id"):
        keys.append(f"id:{customer['id']}")
    if customer.get("email"):
        keys.append(f"email:{str(customer['email']).strip().lower()}")
    keys += [f"order:{order}" for order in customer.get("orders", [])]
    if customer.get("browser_id"):
        keys.append(f"browser:{customer['browser_id']}")
    return keys


class ContactHistory:
    """Reads and writes contact records in Redis."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    @staticmethod
    def key(sender_id: str) -> str:
        """The Redis key of a conversation's contact record."""
        return f"contact:{sender_id}"

    def get(self, sender_id: str) -> Contact | None:
        raw = self._redis.get(self.key(sender_id))
        return Contact(**json.loads(raw)) if raw else None

    def touch(self, sender_id: str, identity_keys: Iterable[str] = (), entries: Iterable[str] = (),
              intent: str = "", topic: str = "") -> Contact:
        """Create or extend this conversation's record, and index it under every identity."""
        now = time.time()
        contact = self.get(sender_id) or Contact(sender_id, started_at=now, updated_at=now)
        contact.updated_at = now
        for key in identity_keys:
            if key not in contact.identities:
                contact.identities.append(key)
        contact.entries += [e for e in entries if e not in contact.entries]
        if intent and intent not in contact.intents:
            contact.intents.append(intent)
        contact.topic = contact.topic or topic
        self._save(contact)
        return contact

    def set_outcome(self, sender_id: str, outcome: Outcome, ticket: str = "") -> None:
        """Record how the conversation ended (or that it was handed off, with its ticket).

        The record is created if this is the conversation's first turn (the turn's identities are
        added right after, by `touch`).
        """
        now = time.time()
        contact = self.get(sender_id) or Contact(sender_id, started_at=now, updated_at=now)
        contact.outcome, contact.updated_at = outcome, now
        contact.ticket = ticket or contact.ticket
        self._save(contact)

    def earlier(self, identity_keys: Iterable[str], since: float, exclude: str) -> list[Contact]:
        """Other conversations of the same customer started after `since`, oldest first."""
        senders: set[str] = set()
        for key in identity_keys:
            senders.update(s.decode() for s in self._redis.zrangebyscore(f"contacts:by:{key}", since, "+inf"))
        senders.discard(exclude)
        found = [c for c in map(self.get, sorted(senders)) if c]
        return sorted(found, key=lambda c: c.started_at)

    def started_since(self, when: float) -> list[Contact]:
        """Every conversation started since `when`, oldest first (one round trip for the records)."""
        senders = [s.decode() for s in self._redis.zrangebyscore(STARTED_KEY, when, "+inf")]
        raws = self._redis.mget([self.key(s) for s in senders]) if senders else []
        return [Contact(**json.loads(raw)) for raw in raws if raw]

    def _save(self, contact: Contact) -> None:
        # The indexes forget conversations past retention, as the records themselves expire.
        oldest = time.time() - RETENTION_SECONDS
        pipe = self._redis.pipeline(transaction=False)
        pipe.set(self.key(contact.sender_id), json.dumps(asdict(contact)), ex=RETENTION_SECONDS)
        for index in (STARTED_KEY, *(f"contacts:by:{key}" for key in contact.identities)):
            pipe.zadd(index, {contact.sender_id: contact.started_at})
            pipe.zremrangebyscore(index, "-inf", oldest)
            pipe.expire(index, RETENTION_SECONDS)
        pipe.execute()
