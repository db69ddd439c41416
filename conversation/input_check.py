"""Decides whether a customer's message can be searched, and cleans it for searching.

The original text always stays in the conversation (Rasa's tracker in Redis); this only
shapes what goes to the knowledge base and what the customer is told when it can't. A message
longer than MAX_MESSAGE_CHARS reaches Rasa's NLU cut (rasa_ext/channels.py); what the customer
wrote travels with it in the metadata, and `written` gives it back.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

from customers.echo import plain_text

Problem = Literal["empty", "too_long", "not_text", "other_language"]


@dataclass(frozen=True)
class CheckedText:
    """`text` is what to search with; `problem` says why not to search, if so."""

    text: str
    problem: Problem | None = None


def check_text(raw: str, max_chars: int) -> CheckedText:
    """Clean `raw` for searching and name the problem that stops it being searched."""
    text = plain_text(raw)
    if not text:
        return CheckedText("", "empty" if not (raw or "").strip() else "not_text")
    if len(raw) > max_chars:
        return CheckedText(text, "too_long")
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) < 2:
        return CheckedText(text, "not_text")
    # Mostly non-Latin letters: the knowledge base is English, so say so rather than guess.
    if sum(1 for ch in letters if not ch.isascii() and "LATIN" not in unicodedata.name(ch, "")) > len(letters) / 2:
        return CheckedText(text, "other_language")
    return CheckedText(text)
