"""What travels in a message's metadata from Rasa's channels (rasa_ext) to the action server.

A message longer than Rasa's NLU cut reaches NLU cut short; the text as the customer wrote it,
up to MAX_FULL_TEXT_CHARS, travels under FULL_TEXT_KEY, and `written` gives it back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

FULL_TEXT_KEY: Final = "full_text"
# What is kept of a longer message for the transcript: a long e-mail pasted whole is ~10,000
# characters; beyond 20,000 it is not a message anyone reads, and it is stored with every turn.
MAX_FULL_TEXT_CHARS: Final = 20_000
# The other way: a bot message that is a KB answer carries {"entry": id, "version": fingerprint}
# under this key; Rasa keeps it in the bot event's metadata, so a handoff's transcript can say
# which version of the entry the customer read.
KB_ANSWER_KEY: Final = "kb_answer"


def written(message: Mapping[str, Any]) -> str:
    """What the customer wrote in `message` (a tracker's latest message or a user event), uncut."""
    metadata = message.get("metadata")
    full = metadata.get(FULL_TEXT_KEY) if isinstance(metadata, Mapping) else None
    if isinstance(full, str):
        return full
    text = message.get("text")
    return text if isinstance(text, str) else ""


def intent_name(message: Mapping[str, Any]) -> str:
    """The intent Rasa's NLU gave `message` (a tracker's latest message), or "" without one."""
    intent = message.get("intent")
    return str(intent.get("name") or "") if isinstance(intent, Mapping) else ""
