"""Customers flagged for abusive language, so the next agent who takes their chat is prepared.

Keys (this module alone builds them):

* `flagged:<identity>`: a string, why the customer was flagged; expires after FLAG_SECONDS. The
  identity is a verified one (customers.contacts.verified_identities), or `sender:<conversation>`
  when the customer has none: an e-mail typed in the chat is never flagged, since a visitor
  could otherwise have someone else flagged.
"""

from __future__ import annotations

from typing import Any

import redis

from customers.contacts import verified_identities

FLAG_SECONDS = 90 * 24 * 3600


def flag_key(identity: str) -> str:
    """The key of the flag on one identity (`email:sam@example.com`, `sender:<id>`)."""
    return f"flagged:{identity}"


def flag_customer(client: redis.Redis, customer: dict[str, Any], sender_id: str, why: str) -> None:
    """Flag every verified identity of the customer, else this conversation."""
    for identity in verified_identities(customer) or [f"sender:{sender_id}"]:
        client.set(flag_key(identity), why, ex=FLAG_SECONDS)


def is_flagged(client: redis.Redis, customer: dict[str, Any], sender_id: str) -> bool:
    """Whether any verified identity of the customer (or this conversation) was flagged."""
    identities = verified_identities(customer) + [f"sender:{sender_id}"]
    return any(client.exists(flag_key(identity)) for identity in identities)
