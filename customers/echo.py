"""What the bot repeats of a customer's words: plain text, secrets masked, quoted and capped.

Restating the customer's problem is a service practice (docs: the service playbook), so the bot
does quote customers: the restatement ("you're asking about ..."), the summary it passes on, and
the topic of an earlier contact. Whatever it quotes goes through `quoted` (or `clip`, for the
summary's fields that the desk shows in its own quotation marks), so no markup a customer typed
comes back as markup, even through a widget that renders HTML, and no card number or password
is repeated. The original text stays untouched in the conversation.
"""

from __future__ import annotations

import html
import re
import unicodedata

from customers.facts import mask_secrets

# What a browser reads as a tag: "<" then a letter, "/", "!" or "?" ("a < b" is no tag).
_TAG = re.compile(r"<[A-Za-z/!?][^>]{0,200}>")
# What is left that a browser would still read as the start of a tag ("<img src=x" with no ">").
_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")
# Entities can hide tags ("&lt;b&gt;" is "<b>" once unescaped): unescape a few rounds at most.
_UNESCAPE_ROUNDS = 3


def _printable(text: str) -> str:
    # Control, surrogate and unassigned code points (binary junk) become spaces.
    return "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)


def plain_text(raw: str) -> str:
    """`raw` as plain text on one line: tags removed, entities unescaped, junk and runs of spaces gone."""
    text = raw or ""
    for _ in range(_UNESCAPE_ROUNDS):
        unescaped = html.unescape(_TAG.sub(" ", text))
        if unescaped == text:
            break
        text = unescaped
    text = _TAG_OPEN.sub(" ", _TAG.sub(" ", text))
    return " ".join(_printable(text).split())


def clip(raw: str, limit: int) -> str:
    """The customer's words as the bot may repeat them: plain, secrets masked, at most `limit` characters."""
    text = mask_secrets(plain_text(raw))
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def quoted(raw: str, limit: int) -> str:
    """The customer's words clipped to `limit` characters, in curly quotes: “where is my order”.

    Curly quotes the customer typed become straight ones, so the quotation ends only where the
    bot's own text resumes: the widget's renderer (and the desk's, the same) shows what stands
    between curly quotes as typed, never as Markdown.
    """
    words = clip(raw, limit).replace("“", '"').replace("”", '"')
    return f"“{words}”"
