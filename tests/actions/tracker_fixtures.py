"""Trackers as rasa-sdk gives them to an action (real Tracker objects)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker


def tracker(
    text: str, intent: str = "", slots: dict[str, Any] | None = None, entities: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None, sender: str = "s1",
) -> Tracker:
    """A real rasa-sdk Tracker whose latest message is `text`."""
    latest = {"text": text, "intent": {"name": intent}, "metadata": metadata or {},
              "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()]}
    event = {"event": "user", "text": text, "timestamp": 1.0, "input_channel": "socketio",
             "parse_data": latest, "metadata": metadata or {}}
    return Tracker(sender, dict(slots or {}), latest, [event], False, None, {}, "action_listen")
