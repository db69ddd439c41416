"""What the channels take from a customer, decided before Rasa sees anything.

Pure Python (no Rasa import), so it is unit-tested from the app's venv (tests/rasa_ext/); the
channels in rasa_ext/channels.py apply it. Every message is:

* checked: a JSON object (REST) with a non-empty string `sender` and `message` and an object as
  `metadata` (small and shallow); anything else is refused with a one-line reason (`InputError`);
* cleaned: lone surrogates (which JSON can carry but UTF-8 cannot) become U+FFFD, so nothing
  downstream fails to encode them;
* guarded: a text starting with "/" is a button payload only if it is one this product's buttons
  and widget send, with well-formed entities (`ALLOWED_PAYLOADS`); anything else ("/restart",
  "/session_start", another intent, `/kb_choose{"entry_id": 5}`) gets an invisible WORD JOINER in
  front, so Rasa reads it as text instead of obeying it, and it still shows as the customer typed it;
* cut: NLU reads at most MAX_MESSAGE_CHARS (Rasa's featurisers cost memory with the square of the
  length: 100,000 characters took 17 GB); the text as written, up to MAX_FULL_TEXT_CHARS, travels in
  the metadata under FULL_TEXT_KEY for the action server, which records it and asks for a shorter one.

Why an allow-list rather than the buttons of the conversation's last bot message: the widget
sends payloads no bot message offered (`/greet` when the chat opens; `/rate{...}` from a rating
form that stays open while the chat goes on), checking costs nothing (no tracker read, also
during a Redis outage), and every payload admitted is something a customer may ask in words too
(yes, no, a person, an entry of the KB, a rating), so forging one gains nothing.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from protocol.metadata import FULL_TEXT_KEY, MAX_FULL_TEXT_CHARS

# Read from the environment like rasa_ext.action_outage does: Rasa's process cannot load
# infra.settings (another venv); `make run` passes every setting to it as a variable.
MAX_MESSAGE_CHARS = int(os.environ.get("MAX_MESSAGE_CHARS", "1000"))
# Request bodies above this get 413 without being read whole. Above 1 MB so that a 1 MB message
# is still taken (and cut), as the service promises to bear one.
MAX_BODY_BYTES = 2 * 1024 * 1024
# Conversation ids are Redis key names and appear in every log line; ours are 32 hex characters.
MAX_SENDER_CHARS = 200
# The widget's metadata (customer, browser id, page) is under 1 KB; Rasa stores it with every
# message and re-reads the whole tracker each turn, so a bigger one is refused.
MAX_METADATA_CHARS = 10_000
# Ours nests 2 levels (customer -> id). Deeper is refused: a few KB of "{"a":{"a":...}}" would
# otherwise nest ~1,000 levels deep, and the recursive walks over metadata (clean() here, Rasa's
# own copies) would exceed Python's recursion limit.
MAX_METADATA_DEPTH = 32
_TOO_DEEP = f"`metadata` is nested more than {MAX_METADATA_DEPTH} levels deep"
# Invisible in the transcript, not whitespace (Rasa strips that before looking for "/").
TEXT_GUARD = "\u2060"

_SURROGATE = re.compile("[\ud800-\udfff]")
_PAYLOAD = re.compile(r"/(?P<intent>[a-z_]+)(?P<entities>\{.*\})?", re.DOTALL)
_ENTRY_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")  # kb/validate.py's ID_PATTERN
_TICKET = re.compile(r"T[A-Z0-9]{1,20}")  # T000123, or TX7KQ2MZ taken during an outage
MAX_COMMENT_CHARS = 500  # the rating form's maxlength (widget/src/widget.js) and reports/ratings.py's cap


class InputError(ValueError):
    """A request the channel refuses; the message is the one-line reason sent back."""


@dataclass(frozen=True)
class Incoming:
    """A message ready for Rasa: what NLU reads, and the metadata (with the full text if cut)."""

    sender: str
    text: str
    metadata: dict[str, Any]


def clean(value: Any) -> Any:
    """`value` with every lone surrogate in its strings (keys too) replaced by U+FFFD.

    Recursive: `value` is a string or metadata already checked to be at most MAX_METADATA_DEPTH deep.
    """
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {clean(k): clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def parse_body(body: bytes) -> dict[str, Any]:
    """The JSON object of a REST request body (undecodable bytes become U+FFFD)."""
    try:
        data = json.loads(body.decode("utf-8", errors="replace"))
    except ValueError:
        raise InputError("the body is not valid JSON") from None
    except RecursionError:  # "[[[[...": two megabytes of it nest far deeper than Python recurses
        raise InputError("the body is nested too deeply") from None
    if not isinstance(data, dict):
        raise InputError("the body must be a JSON object with `sender` and `message`")
    return data


def text_field(data: Mapping[str, Any], name: str, max_chars: int | None = MAX_SENDER_CHARS) -> str:
    """`data[name]`, a non-empty string of at most `max_chars` (None: any length), else InputError."""
    value = data.get(name)
    if value is None:
        raise InputError(f"`{name}` is missing")
    if not isinstance(value, str):
        raise InputError(f"`{name}` must be a string")
    if not value.strip():
        raise InputError(f"`{name}` is empty")
    if max_chars and len(value) > max_chars:
        raise InputError(f"`{name}` is longer than {max_chars} characters")
    return value


def _metadata(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, str):  # Rasa's socket.io channel accepts metadata as a JSON string
        try:
            value = json.loads(value)
        except ValueError:
            raise InputError("`metadata` is not valid JSON") from None
        except RecursionError:
            raise InputError(_TOO_DEEP) from None
    if not isinstance(value, dict):
        raise InputError("`metadata` must be a JSON object")
    if _deeper_than(value, MAX_METADATA_DEPTH):  # first: json.dumps below recurses
        raise InputError(_TOO_DEEP)
    if len(json.dumps(value, default=str)) > MAX_METADATA_CHARS:
        raise InputError(f"`metadata` is larger than {MAX_METADATA_CHARS} characters")
    return value


def _deeper_than(value: Any, levels: int) -> bool:
    """Whether `value` nests objects and arrays more than `levels` deep; without recursing."""
    stack = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            if level == levels:
                return True
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def _no_entities(entities: Any) -> bool:
    return entities is None


def _entry_choice(entities: Any) -> bool:
    return (isinstance(entities, dict) and set(entities) == {"entry_id"}
            and isinstance(entities["entry_id"], str) and bool(_ENTRY_ID.fullmatch(entities["entry_id"])))


def _rating(entities: Any) -> bool:
    if not isinstance(entities, dict) or not set(entities) <= {"score", "comment", "ticket"}:
        return False
    score, comment, ticket = entities.get("score"), entities.get("comment", ""), entities.get("ticket", "")
    return (type(score) is int and 1 <= score <= 5
            and isinstance(comment, str) and len(comment) <= MAX_COMMENT_CHARS
            and isinstance(ticket, str) and (not ticket or bool(_TICKET.fullmatch(ticket))))


# Every payload our buttons and widget send (conversation/replies.py, widget/src/widget.js), with
# what its entities must be. Also the "I'll ask here" button (/capabilities).
ALLOWED_PAYLOADS: dict[str, Callable[[Any], bool]] = {
    "greet": _no_entities, "affirm": _no_entities, "deny": _no_entities,
    "request_human": _no_entities, "capabilities": _no_entities,
    "kb_choose": _entry_choice, "rate": _rating,
}


def is_allowed_payload(text: str) -> bool:
    """Whether `text` is one of the payloads in ALLOWED_PAYLOADS with valid entities."""
    match = _PAYLOAD.fullmatch(text.strip())
    if not match or match["intent"] not in ALLOWED_PAYLOADS:
        return False
    entities = None
    if match["entities"]:
        try:
            entities = json.loads(match["entities"])
        except (ValueError, RecursionError):  # entities nested thousands deep: not one of ours
            return False
    return ALLOWED_PAYLOADS[match["intent"]](entities)


def guard(text: str) -> str:
    """`text`, made plain text for Rasa if it would otherwise be read as a payload we don't allow."""
    if text.lstrip().startswith("/") and not is_allowed_payload(text):
        return TEXT_GUARD + text
    return text


def incoming(sender: Any, data: Mapping[str, Any], metadata: Any, max_chars: int = MAX_MESSAGE_CHARS,
             sender_field: str = "sender") -> Incoming:
    """The message in `data["message"]` from `sender`, checked, cleaned, guarded and cut.

    Raises InputError (with the reason to send back, naming `sender_field` for the sender) for
    anything that is not a message.
    """
    sender = text_field({sender_field: sender}, sender_field)
    written = guard(clean(text_field(data, "message", max_chars=None)))
    meta = clean(_metadata(metadata))
    meta.pop(FULL_TEXT_KEY, None)  # only the channel says what the customer wrote
    if len(written) > max_chars:
        meta[FULL_TEXT_KEY] = written[:MAX_FULL_TEXT_CHARS]
    return Incoming(clean(sender), written[:max_chars], meta)
