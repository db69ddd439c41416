"""Assesses a conversation: how frustrated the customer is, why, and which flags are raised.

Scoring: every signal has a weight (1 moderate, 2 strong). The weights of the recent turns
(`WINDOW`) are added up: 1 makes the level "rising", 2 or more "high". So one swear word, a
shouted message or one rejected answer is "rising"; swearing plus capitals, two frustrated
messages, the same question three times or three "don't know" answers in a row is "high".
Abuse, legal threats, requests for a person and saying they asked before are flags (weight 0):
they have their own handling and do not by themselves say how frustrated the customer is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from detection import lexicon
from detection.signals import legal_threat, message_signals, tokens
from protocol.replies import DONT_KNOW, REPLY_KINDS

# Only this many of the newest turns count towards the level, so a conversation that calmed
# down goes back to "none" instead of staying escalated for ever.
WINDOW = 6
QUOTE_MAX_CHARS = 200
# Two messages are the same question when their content words overlap this much (Jaccard)...
REPEAT_MIN_OVERLAP = 0.6
# ...and each has at least this many content words ("ok", "agent please" never repeat).
REPEAT_MIN_WORDS = 2
RISING, HIGH = 1, 2
Level = Literal["none", "rising", "high"]
# Bot outcomes of a question the knowledge base handled (as opposed to small talk).


@dataclass(frozen=True)
class Turn:
    """One customer turn and what the bot did with it.

    Attributes:
        text: the customer's message.
        intent: Rasa's intent name, if known.
        bot_outcome: "answer" | "clarify" | "dont_know" | "" (small talk etc.).
        feedback: "yes" | "no" | "thumbs_down" | "" (reaction to the previous answer).
    """

    text: str
    intent: str = ""
    bot_outcome: str = ""
    feedback: str = ""


@dataclass(frozen=True)
class Reason:
    """Why the assessment says what it says, with the customer message that caused it."""

    kind: str
    detail: str
    quote: str


@dataclass(frozen=True)
class Assessment:
    """The frustration level, its reasons and the flags for the newest message."""

    level: Level
    reasons: tuple[Reason, ...]
    wants_human: bool
    legal: bool
    abusive: bool
    asked_before: bool = False  # the newest message says they asked before: a repeat contact

    @property
    def hand_off(self) -> bool:
        """Whether to hand over to a person now (abuse is handled by the caller)."""
        return self.wants_human or self.legal or self.level == "high"


def assess(turns: Sequence[Turn]) -> Assessment:
    """Assesses the conversation so far.

    Args:
        turns: the customer's turns, oldest first; the last one is the newest message.

    Returns:
        The assessment. `wants_human`, `abusive` and `asked_before` describe the newest message
        (the caller warns once about abuse and ends if it continues); `legal` stays raised once any
        message threatened legal action. Reasons cover the recent turns plus any legal threat.
    """
    reasons: list[Reason] = []
    score = 0
    legal = False
    first_recent = max(0, len(turns) - WINDOW)
    # Older turns only matter for a legal threat, which is never forgotten.
    for turn in turns[:first_recent]:
        threat = legal_threat(turn.text)
        if threat:
            legal = True
            reasons.append(Reason(threat.kind, threat.detail, _quote(turn)))
    newest_kinds: set[str] = set()
    for index in range(first_recent, len(turns)):
        found = _turn_signals(turns, index)
        for kind, detail, weight in found:
            reasons.append(Reason(kind, detail, _quote(turns[index])))
            score += weight
            legal = legal or kind == "legal"
        if index == len(turns) - 1:
            newest_kinds = {kind for kind, _, _ in found}
    level: Level = "high" if score >= HIGH else "rising" if score >= RISING else "none"
    return Assessment(
        level=level,
        reasons=tuple(reasons),
        wants_human="human_request" in newest_kinds,
        legal=legal,
        abusive="abuse" in newest_kinds,
        asked_before="asked_before" in newest_kinds,
    )


def _turn_signals(turns: Sequence[Turn], index: int) -> list[tuple[str, str, int]]:
    """(kind, detail, weight) of everything turn `index` shows, in the message and in context."""
    turn = turns[index]
    found = [(s.kind, s.detail, s.weight) for s in message_signals(turn.text)]
    previous = turns[index - 1] if index else None
    # An explicit "no" is a rejection; a bare "deny" intent only right after an answer.
    after_answer = previous is not None and previous.bot_outcome == "answer"
    if turn.feedback == "no" or (not turn.feedback and turn.intent == "deny" and after_answer):
        found.append(("rejected_answers", "rejected the answer", 1))
    if turn.feedback == "thumbs_down":
        found.append(("thumbs_down", "thumbs-down on the answer", 1))
    # A question asked again after the bot handled it: the first attempt did not help.
    handled = [earlier for earlier in turns[:index] if earlier.bot_outcome in REPLY_KINDS]
    if any(_same_question(turn.text, earlier.text) for earlier in handled):
        found.append(("repeated_question", "asked the same question again", 1))
    streak = _dont_know_streak(turns, index)
    # Reported once per streak, on its last turn: 2 in a row is moderate, 3+ strong.
    streak_ends = index == len(turns) - 1 or turns[index + 1].bot_outcome != DONT_KNOW
    if streak >= 2 and streak_ends:
        found.append(("dont_know_streak", f"{streak} unanswered questions in a row", min(streak - 1, 2)))
    return found


def _dont_know_streak(turns: Sequence[Turn], index: int) -> int:
    """How many turns up to and including `index` the bot could not answer in a row."""
    streak = 0
    while index - streak >= 0 and turns[index - streak].bot_outcome == DONT_KNOW:
        streak += 1
    return streak


@lru_cache(maxsize=1024)
def _content_words(text: str) -> frozenset[str]:
    # A light stem (plural "s") so "orders" and "order" match.
    return frozenset(
        word[:-1] if len(word) > 3 and word.endswith("s") else word
        for word in tokens(text)
        if word not in lexicon.STOPWORDS
    )


def _same_question(a: str, b: str) -> bool:
    words_a, words_b = _content_words(a), _content_words(b)
    if min(len(words_a), len(words_b)) < REPEAT_MIN_WORDS:
        return False
    return len(words_a & words_b) / len(words_a | words_b) >= REPEAT_MIN_OVERLAP


def _quote(turn: Turn) -> str:
    text = turn.text.strip() or f"[{turn.feedback or 'empty message'}]"
    return text if len(text) <= QUOTE_MAX_CHARS else text[: QUOTE_MAX_CHARS - 1] + "…"
