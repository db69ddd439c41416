"""Helpers shared by the tests: free ports and a customer talking to Rasa's REST channel."""

from __future__ import annotations

import socket
import uuid
from typing import Any

import requests

from handoff.identity import identity_secret
from handoff.identity import signed_customer as signed
from infra.settings import Settings


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Customer:
    """One customer talking to the bot through Rasa's REST channel."""

    def __init__(self, rasa_url: str, metadata: dict[str, Any] | None = None) -> None:
        self.url = f"{rasa_url}/webhooks/rest/webhook"
        self.sender = "customer-" + uuid.uuid4().hex[:12]
        self.metadata = metadata or {}

    def say(self, text: str) -> list[dict[str, Any]]:
        """Send one message (with this customer's metadata, as the widget would); the bot's replies."""
        body = {"sender": self.sender, "message": text, "metadata": self.metadata}
        response = requests.post(self.url, json=body, timeout=60)
        response.raise_for_status()
        return response.json()

    def press(self, replies: list[dict[str, Any]], title: str) -> list[dict[str, Any]]:
        """Press the button called `title` among `replies`."""
        buttons = [b for r in replies for b in r.get("buttons", [])]
        payload = next(b["payload"] for b in buttons if b["title"] == title)
        return self.say(payload)


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
