"""Helpers shared by the tests: a signed customer and reading the bot's replies (the clients are bench.clients)."""

from __future__ import annotations

from typing import Any

from customers.identity import identity_secret
from customers.identity import signed_customer as signed
from infra.settings import Settings


def signed_customer(settings: Settings, **details: str) -> dict[str, Any]:
    """Metadata of a customer the website signed in (`id`, `name`, `email`), signed with the
    stack's identity secret as the website's backend would."""
    return {"customer": signed(identity_secret(settings), details)}


def texts(replies: list[dict[str, Any]]) -> str:
    """All reply texts joined, for assertions."""
    return "\n".join(r.get("text", "") for r in replies)


def button_titles(replies: list[dict[str, Any]]) -> list[str]:
    return [b["title"] for r in replies for b in r.get("buttons", [])]


def shows(text: str, replies: list[dict[str, Any]]) -> bool:
    """True when the replies carry `text`. Rasa's channels send each paragraph (split on a blank
    line) as a message of its own, so paragraphs are looked for one by one, in order."""
    said = texts(replies)
    position = 0
    for paragraph in text.strip().split("\n\n"):
        position = said.find(paragraph.strip(), position)
        if position < 0:
            return False
    return True
