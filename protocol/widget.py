"""The custom payloads the widget understands (widget/src/widget.js, `custom()`), by their `type`.

The action server sends them through Rasa's dispatcher (`json_message`), the desk through Rasa's
tracker events (infra.rasa_client.custom_message); the widget renders each type its own way.
tests/protocol/test_widget_types.py checks that the widget's source names exactly these.
"""

from __future__ import annotations

from typing import Final

HANDOFF_STATUS: Final = "handoff_status"  # place in line and wait (state, ticket, position, eta_minutes)
AGENT_JOINED: Final = "agent_joined"  # a person has the chat (agent)
AGENT_MESSAGE: Final = "agent_message"  # what the person wrote (agent, text)
HANDOFF_ENDED: Final = "handoff_ended"  # the person gave the chat back (to)
RATING_REQUEST: Final = "rating_request"  # the 1-5 stars form (ticket: "" rates the bot)

MESSAGE_TYPES: Final = frozenset({HANDOFF_STATUS, AGENT_JOINED, AGENT_MESSAGE, HANDOFF_ENDED, RATING_REQUEST})
