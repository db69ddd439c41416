"""Reaching the customer's chat through Rasa: slot changes and payloads the widget renders."""

from __future__ import annotations

from typing import Any

import httpx

from handoff.records import Handoff
from infra.rasa_client import RasaClient, RasaError, custom_message, slot


class CustomerUnreachable(Exception):
    """Rasa did not take the events, so the customer was not told."""


async def tell(rasa: RasaClient, handoff: Handoff, payloads: list[dict[str, Any]],
               slots: dict[str, Any] | None = None) -> None:
    """Set `slots` in the customer's conversation and send `payloads` to their chat, in one call."""
    events = [slot(name, value) for name, value in (slots or {}).items()] + [custom_message(p) for p in payloads]
    try:
        await rasa.append_events(handoff.sender_id, events, channel=handoff.channel)
    except (RasaError, httpx.HTTPError) as error:
        raise CustomerUnreachable(str(error)) from error
