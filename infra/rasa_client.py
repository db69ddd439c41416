"""The thin client of Rasa's HTTP API that the desk uses to reach a customer's conversation."""

from __future__ import annotations

from typing import Any

import httpx


class RasaError(Exception):
    """Rasa's HTTP API did not accept a call."""


class RasaClient:
    """Appends events to conversations; bot messages are pushed out through the customer's channel."""

    def __init__(self, base_url: str, token: str, timeout: float = 10.0) -> None:
        self._base = base_url.rstrip("/")
        self._token = token
        self._timeout = timeout

    async def append_events(self, sender_id: str, events: list[dict[str, Any]], channel: str = "") -> None:
        """Append `events`; BotUttered events are sent to the customer (`channel`, else their latest)."""
        params = {"token": self._token, "execute_side_effects": "true", "output_channel": channel or "latest"}
        async with httpx.AsyncClient(timeout=self._timeout) as client:
            url = f"{self._base}/conversations/{sender_id}/tracker/events"
            response = await client.post(url, params=params, json=events)
        if response.status_code != 200:
            raise RasaError(f"Rasa answered {response.status_code}: {response.text[:200]}")

    async def tracker(self, sender_id: str) -> dict[str, Any]:
        """The conversation's tracker (all events)."""
        async with httpx.AsyncClient(timeout=self._timeout) as client:
            url = f"{self._base}/conversations/{sender_id}/tracker"
            response = await client.get(url, params={"token": self._token})
        if response.status_code != 200:
            raise RasaError(f"Rasa answered {response.status_code}: {response.text[:200]}")
        return response.json()


def custom_message(payload: dict[str, Any]) -> dict[str, Any]:
    """A BotUttered event that carries a custom payload (agent message, status, rating request).

    Rasa's socket.io channel passes a custom dict to `emit(...)` as keyword arguments, so the
    payload travels under "data": the widget receives exactly `payload`.
    """
    return {"event": "bot", "text": None, "data": {"custom": {"data": payload}}}


def slot(name: str, value: Any) -> dict[str, Any]:
    """A SlotSet event."""
    return {"event": "slot", "name": name, "value": value}
