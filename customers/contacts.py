"""Contact history: one record per conversation, found again by any of the customer's identities.

A conversation is indexed under every identity it had, in two kinds that are never mixed:

- verified: the id and e-mail the host website signed (customers/identity.py), and the browser
  (a random id in the widget's localStorage: a visitor could copy it only from that browser,
  which shows the earlier conversation anyway). Only these find what the customer is told of
  (the repeat greeting, "my ticket") and what raises a handoff's priority or flag.
- unverified (`unverified:` keys): what nobody proved, so anyone could have typed it: e-mails and
  order numbers given in the chat, and id and e-mail the website passed without a valid
  signature. They find possible earlier contacts for the agent, marked as not verified, and the
  conversations erasure must reach; never anything told to the customer.

Records and indexes expire after 90 days, so the history stays bounded.

Keys (built only here):
    contact:{sender}         a conversation's record (JSON)
    contacts:by:{identity}   sorted set: the conversations indexed under an identity, by last update
    contacts:started         sorted set: every conversation by when it started, for the report
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

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


UNVERIFIED = "unverified:"
SIGNED_KINDS = ("id", "email")


def identity_key(kind: str, value: object) -> str:
    """How an identity is indexed: `email:sam@example.com` (e-mails in lower case, orders in upper
    case, as customers.facts finds them)."""
    text = str(value).strip()
    return f"{kind}:{text.lower() if kind == 'email' else text.upper() if kind == 'order' else text}"


def verified_identities(customer: dict[str, Any]) -> list[str]:
    """What the customer is known by for sure: the id and e-mail the website signed, the browser."""
    keys = [identity_key(kind, customer[kind]) for kind in SIGNED_KINDS
            if customer.get("verified") and customer.get(kind)]
    if customer.get("browser_id"):
        keys.append(identity_key("browser", customer["browser_id"]))
    return keys


def signed_identities(customer: dict[str, Any]) -> list[str]:
    """The website-signed identities alone (a browser may be shared: it names no one)."""
    return [key for key in verified_identities(customer) if not key.startswith("browser:")]


def unverified_identities(customer: dict[str, Any]) -> list[str]:
    """What the customer only claimed: unsigned id and e-mail from the website, e-mails and orders from the chat."""
    claimed = [] if customer.get("verified") else [(kind, customer.get(kind)) for kind in SIGNED_KINDS]
    given = [*claimed, *(("email", e) for e in customer.get("chat_emails", [])),
             *(("order", o) for o in customer.get("orders", []))]
    return list(dict.fromkeys(UNVERIFIED + identity_key(kind, value) for kind, value in given if value))


def identities(customer: dict[str, Any]) -> list[str]:
    """Every key the conversation is indexed under, verified and unverified (for the history;
    lookups that tell the customer anything use `verified_identities`)."""
    return verified_identities(customer) + unverified_identities(customer)


def every_form(keys: Iterable[str]) -> list[str]:
    """Each identity both as verified and as unverified, for lookups by staff (the agent's
    "possibly the same customer", erasure): whoever gave an e-mail, it may be its owner."""
    forms: list[str] = []
    for key in keys:
        bare = key.removeprefix(UNVERIFIED)
        forms += [bare] if bare.startswith("browser:") else [bare, UNVERIFIED + bare]
    return list(dict.fromkeys(forms))


class ContactHistory:
    """Reads and writes contact records in Redis."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    @staticmethod
    def key(sender_id: str) -> str:
        """The Redis key of a conversation's contact record."""
        return f"contact:{sender_id}"

    @staticmethod
    def index_key(identity: str) -> str:
        """The Redis key of the conversations indexed under `identity` (an identity_key)."""
        return f"contacts:by:{identity}"

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
            senders.update(s.decode() for s in self._redis.zrangebyscore(self.index_key(key), since, "+inf"))
        senders.discard(exclude)
        found = [c for c in map(self.get, sorted(senders)) if c]
        return sorted(found, key=lambda c: c.started_at)

    def earlier_for_staff(
        self, customer: dict[str, Any], since: float, exclude: str
    ) -> tuple[list[Contact], list[Contact]]:
        """For the agent: the customer's earlier conversations (a verified identity in common),
        and those that are only possibly theirs (nothing in common but an unverified identity)."""
        sure = self.earlier(verified_identities(customer), since, exclude)
        known = {c.sender_id for c in sure}
        possible = [c for c in self.earlier(every_form(identities(customer)), since, exclude)
                    if c.sender_id not in known]
        return sure, possible

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
        for index in (STARTED_KEY, *(self.index_key(key) for key in contact.identities)):
            pipe.zadd(index, {contact.sender_id: contact.started_at})
            pipe.zremrangebyscore(index, "-inf", oldest)
            pipe.expire(index, RETENTION_SECONDS)
        pipe.execute()
