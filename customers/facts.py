"""Facts customers give in passing (orders, e-mails, dates, amounts), and masking of secrets."""

from __future__ import annotations

import hashlib
import re

EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
ORDER = re.compile(
    r"(?:\border\b|\bord\b|#)\s*(?:no\.?|number|num|id)?\s*(?:is\b|was\b)?\s*[:#]?\s*"
    r"([A-Z]{0,4}-?\d[\w-]{3,19})\b", re.I,
)
AMOUNT = re.compile(
    r"(?:[£$€]\s?\d[\d,]*(?:\.\d{1,2})?|\b\d[\d,]*(?:\.\d{1,2})?\s?(?:pounds|dollars|euros|eur|gbp|usd)\b)", re.I
)
DATE = re.compile(
    r"\b(?:\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}(?:/\d{2,4})?|\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
    r"|(?:yesterday|today|last\s+(?:week|month|monday|tuesday|wednesday|thursday|friday|saturday|sunday))"
    r"|\d+\s+(?:days?|weeks?|months?)\s+ago)\b", re.I,
)
# 13-19 digits, optionally grouped by spaces or dashes: card numbers.
CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
# A secret's name, what joins it to its value ("is", ":", "=" or just a space) and the value.
SECRET = re.compile(
    r"\b(password|passcode|pwd|pin|cvv|cvc|security code)\b(\s*(?:(?:is|was)\b|[:=])\s*|\s+)(\S+)", re.I
)
# A value after a bare space is a secret only if it looks like one (a digit or a symbol in it):
# "my password hunter2" is hidden, "I forgot my password and ..." keeps its "and".
LOOKS_SECRET = re.compile(r"[\d\W_]")


def mask_secrets(text: str) -> str:
    """Card numbers keep their last four digits; passwords, PINs and CVVs are hidden."""
    def card(match: re.Match) -> str:
        digits = re.sub(r"\D", "", match.group())
        return f"[card ending {digits[-4:]}]"

    def secret(match: re.Match) -> str:
        name, joint, value = match.groups()
        named = joint.strip() != ""
        if not re.search(r"\w", value) or not (named or LOOKS_SECRET.search(value.rstrip(".,;!?"))):
            return match.group()  # "password?", "password and": no value given
        return f"{name}{joint}[hidden]"

    return SECRET.sub(secret, CARD.sub(card, text))


def mask_personal(text: str) -> str:
    """Text as staff outside the conversation may see it: secrets and e-mail addresses masked too."""
    return EMAIL.sub("[e-mail]", mask_secrets(text)).strip()


def extract_facts(text: str) -> dict[str, list[str]]:
    """Order numbers, e-mails, dates and amounts mentioned in `text` (secrets masked first)."""
    clean = mask_secrets(text)
    return {
        "orders": [m.upper() for m in ORDER.findall(clean)],
        "emails": [m.lower() for m in EMAIL.findall(clean)],
        "dates": DATE.findall(clean),
        "amounts": AMOUNT.findall(clean),
    }


def merge_facts(into: dict[str, list[str]], more: dict[str, list[str]]) -> dict[str, list[str]]:
    """`into` plus the new values of `more`, without repeats, order kept."""
    return {key: list(dict.fromkeys(into.get(key, []) + more.get(key, []))) for key in set(into) | set(more)}


def hashed_conversation(sender_id: str) -> str:
    """A conversation's id as reports keep it: enough to count and erase, not to find the chat."""
    return hashlib.sha256(sender_id.encode()).hexdigest()[:16]
