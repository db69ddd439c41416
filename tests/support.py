"""Helpers shared by the tests: a signed customer and reading the bot's replies (the clients are bench.clients)."""

from __future__ import annotations

import time
from typing import Any, Callable

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


def wait_for(condition: Callable[[], object], what: str, timeout: float = 60.0, every: float = 0.2) -> None:
    """Poll `condition` until it is true; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)
