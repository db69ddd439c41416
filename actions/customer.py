"""Who the customer is: what the website told the widget, plus e-mails and orders given in the chat."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from handoff.facts import extract_facts

KNOWN_FIELDS = ("id", "name", "email")


def customer_from(tracker: Tracker, text: str) -> dict[str, Any]:
    """The `customer` slot updated with this message's metadata and the facts in its text."""
    customer: dict[str, Any] = dict(tracker.get_slot("customer") or {})
    metadata = tracker.latest_message.get("metadata") or {}
    given = metadata.get("customer") if isinstance(metadata.get("customer"), dict) else {}
    for key in KNOWN_FIELDS:
        value = given.get(key)
        if isinstance(value, (str, int)) and str(value).strip():
            customer[key] = str(value).strip()[:200]
    browser = metadata.get("browser_id")
    if isinstance(browser, str) and browser.strip():
        customer["browser_id"] = browser.strip()[:100]
    facts = extract_facts(text)
    if facts["emails"] and not customer.get("email"):
        customer["email"] = facts["emails"][0]
    orders = list(dict.fromkeys(customer.get("orders", []) + facts["orders"]))
    if orders:
        customer["orders"] = orders[-10:]
    return customer
