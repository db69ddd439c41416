"""Clients that act as a user of the running stack: a customer on Rasa's REST channel and an agent on the
desk's HTTP API. Used by the benchmarks and by the end-to-end tests."""

from __future__ import annotations

import re
import uuid
from typing import Any

import requests

from launcher.nginx import free_port as free_port  # the tests' and benchmarks' free ports too


class Customer:
    """One customer talking to the bot through Rasa's REST channel."""

    def __init__(self, rasa_url: str, metadata: dict[str, Any] | None = None) -> None:
        self.url = f"{rasa_url}/webhooks/rest/webhook"
        self.sender = "customer-" + uuid.uuid4().hex[:12]
        self.metadata = metadata or {}

    def say(self, text: str) -> list[dict[str, Any]]:
        """Send one message (with this customer's metadata, as the widget would); the bot's replies."""
        body: dict[str, Any] = {"sender": self.sender, "message": text, "metadata": self.metadata}
        response = requests.post(self.url, json=body, timeout=60)
        response.raise_for_status()
        return response.json()

    def press(self, replies: list[dict[str, Any]], title: str) -> list[dict[str, Any]]:
        """Press the button called `title` among `replies`."""
        buttons = [b for r in replies for b in r.get("buttons", [])]
        payload = next(b["payload"] for b in buttons if b["title"] == title)
        return self.say(payload)


def _found(pattern: str, page: str) -> str:
    """The first group of `pattern` in `page`; the page is shown when it is not there."""
    match = re.search(pattern, page)
    assert match, f"{pattern} not in {page[:500]}"
    return match.group(1)


class DeskApi:
    """The desk's HTTP API with a logged-in session, as the page's script calls it."""

    def __init__(self, desk_url: str, name: str, password: str) -> None:
        self.url = desk_url
        self.http = requests.Session()
        form = self.http.get(f"{desk_url}/desk/login", timeout=10).text
        token = _found(r'name="csrf" value="([^"]+)"', form)
        response = self.http.post(f"{desk_url}/desk/login", timeout=30, allow_redirects=False,
                                  data={"name": name, "password": password, "csrf": token})
        assert response.status_code == 303, response.text
        page = self.http.get(f"{desk_url}/desk", timeout=10).text
        self.http.headers["X-CSRF-Token"] = _found(r'name="csrf-token" content="([^"]+)"', page)

    def act(self, ticket: str, action: str, **fields: str) -> requests.Response:
        return self.http.post(f"{self.url}/desk/api/conversations/{ticket}/{action}", json=fields, timeout=30)
