"""Who the customer is (the `customer` slot): what the website told the widget, plus e-mails and
orders given in the chat.

The `customer` slot holds `id`, `email`, `name` as the website passed them, with `verified`
true only when the website signed the id and e-mail (customers/identity.py); `browser_id`; and
what the chat gave (`chat_emails`, `orders`), never verified. Unverified details are shown to
the agent as such and never find anything the customer is told (customers/contacts.py).

The website's details are those of the latest message alone: a signed identity holds only for
messages that carry its valid signature. The widget sends the page's `customer` with every message,
so a message whose `customer` is unsigned, wrongly signed, empty or missing (the customer signed
out, and maybe someone else is at that browser, which keeps the conversation) ends the verified
identity at once: its id, e-mail and name go, and an unsigned claim is kept only as a claim.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from customers.facts import extract_facts
from customers.identity import verify

WEBSITE_FIELDS = ("id", "name", "email")
KEPT_FROM_CHAT = 10  # the latest e-mails and orders given in the chat


def _text(value: Any, limit: int) -> str:
    return str(value).strip()[:limit] if isinstance(value, (str, int)) and not isinstance(value, bool) else ""


def _apply_website(customer: dict[str, Any], given: dict[str, Any], secret: str) -> None:
    """Who this message says is signed in, replacing whoever the last one said: with a valid
    signature the customer's identity; without one a claim, kept for the agent; or nobody."""
    claimed = {key: _text(given.get(key), 200) for key in WEBSITE_FIELDS}
    for key, value in claimed.items():
        if value:
            customer[key] = value
        else:
            customer.pop(key, None)
    if any(claimed.values()):
        customer["verified"] = verify(secret, claimed["id"], claimed["email"], given.get("signature"))
    else:
        customer.pop("verified", None)


def customer_after(
    slot: Mapping[str, Any] | None, metadata: object, text: str, secret: str,
) -> dict[str, Any]:
    """The `customer` slot (`slot`) updated with a message's metadata and the facts in its text;
    `secret` is the identity secret the website signs with (customers.identity)."""
    customer: dict[str, Any] = dict(slot or {})
    metadata = metadata if isinstance(metadata, dict) else {}
    given = metadata.get("customer")
    _apply_website(customer, given if isinstance(given, dict) else {}, secret)  # none at all: signed out too
    browser = metadata.get("browser_id")
    if isinstance(browser, str) and browser.strip():
        customer["browser_id"] = browser.strip()[:100]
    facts = extract_facts(text)
    for key, found in (("chat_emails", facts["emails"]), ("orders", facts["orders"])):
        kept = list(dict.fromkeys(customer.get(key, []) + found))[-KEPT_FROM_CHAT:]
        if kept:
            customer[key] = kept
    return customer
