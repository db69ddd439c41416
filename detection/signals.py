"""Signals found in one customer message: words, tone, abuse, legal threats, request for a person.

Everything here looks at a single message; `frustration` adds what the conversation shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from detection import lexicon

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_LETTER_WORD = re.compile(r"[A-Za-z]+")
_HUMAN_VOCABULARY = lexicon.HUMAN_NOUNS | lexicon.HUMAN_VERBS | lexicon.HUMAN_FILLERS


@dataclass(frozen=True)
class Signal:
    """One thing noticed in a message.

    Attributes:
        kind: the `Reason.kind` it becomes ("words", "tone", "abuse", "legal", "human_request",
            "asked_before").
        detail: short explanation for the agent, e.g. "swearing ('damn')".
        weight: contribution to the frustration level (1 moderate, 2 strong, 0 a flag only).
    """

    kind: str
    detail: str
    weight: int


def tokens(text: str) -> list[str]:
    """Lower-cased words of a message (apostrophes kept inside words)."""
    return _TOKEN.findall(text.lower().replace("\u2019", "'"))


def message_signals(text: str) -> list[Signal]:
    """All signals of one customer message.

    Args:
        text: the customer's message as typed.

    Returns:
        The signals, at most one per kind of evidence (swearing, complaint, tone, abuse,
        legal, request for a person, saying they asked before), so one message cannot count
        the same thing twice.
    """
    found = [
        _swearing(text),
        _complaint(text),
        _tone(text),
        _match_signal(lexicon.ABUSE, text, "abuse", "insult or threat"),
        legal_threat(text),
        asked_before(text),
    ]
    if wants_human(text):
        found.append(Signal("human_request", "asks for a person", 0))
    return [signal for signal in found if signal is not None]


def legal_threat(text: str) -> Signal | None:
    """The legal-threat signal of a message ("I'll sue", "my lawyer"), if any."""
    return _match_signal(lexicon.LEGAL, text, "legal", "legal threat")


def asked_before(text: str) -> Signal | None:
    """The customer says they have asked before ("third time I'm asking", "still no reply"), if so.

    A flag (weight 0): a repeat contact even when none is on record. What upsets the customer in
    the same message ("ridiculous") counts on its own, so the claim does not count twice.
    """
    lowered = text.lower()
    if not any(hint in lowered for hint in lexicon.ASKED_BEFORE_HINTS):
        return None
    return _match_signal(lexicon.ASKED_BEFORE, text, "asked_before", "says they asked before")


def _match_signal(pattern: re.Pattern[str], text: str, kind: str, label: str) -> Signal | None:
    """A flag signal (weight 0) naming the first words that matched `pattern`."""
    match = pattern.search(text)
    return Signal(kind, f"{label} ('{match.group(0)}')", 0) if match else None


def _swearing(text: str) -> Signal | None:
    match = lexicon.SWEARING.search(text)
    return Signal("words", f"swearing ('{match.group(0)}')", 1) if match else None


def _complaint(text: str) -> Signal | None:
    """The strongest complaint expression in the message, if any."""
    best: Signal | None = None
    for pattern, weight, label in lexicon.COMPLAINTS:
        match = pattern.search(text)
        if match and (best is None or weight > best.weight):
            best = Signal("words", f"{label} ('{match.group(0)}')", weight)
    return best


def _tone(text: str) -> Signal | None:
    """Shouting and repeated punctuation; together they still count as one moderate signal."""
    if lexicon.POSITIVE.search(text):
        return None
    parts = []
    if _is_shouting(text):
        parts.append("shouting (capitals)")
    punctuation = lexicon.REPEATED_PUNCTUATION.search(text)
    if punctuation:
        parts.append(f"repeated '{punctuation.group(0)}'")
    return Signal("tone", " and ".join(parts), 1) if parts else None


def _is_shouting(text: str) -> bool:
    words = [w for w in _LETTER_WORD.findall(text) if len(w) >= lexicon.SHOUT_MIN_LETTERS]
    shouted = [w for w in words if w.isupper() and w not in lexicon.ACRONYMS]
    if len(shouted) >= lexicon.SHOUT_MIN_WORDS:
        return True
    return len(words) >= 2 and len(shouted) * 2 >= len(words) and len(shouted) >= 2


def wants_human(text: str) -> bool:
    """Whether the message asks for a person ("let me talk to a human", "agent please").

    Lexical and tolerant of one-letter typos ("hyman agent"). Asking for "customer service"
    alone is not enough: that is usually a question about contact details.

    Args:
        text: the customer's message.

    Returns:
        True when the message requests a human agent.
    """
    if lexicon.HUMAN_NOT_REQUEST.search(text):
        return False
    if lexicon.HUMAN_PHRASES.search(text):
        return True
    words = tokens(lexicon.HUMAN_NOUN_BLOCKERS.sub(" ", text))
    words = [_normalise(word) for word in words]
    nouns = [word in _NOUNS for word in words]
    if not any(nouns):
        return False
    if len(words) <= lexicon.HUMAN_SHORT_MAX_WORDS and all(
        noun or word in lexicon.HUMAN_FILLERS or word in lexicon.HUMAN_SHORT_EXTRAS
        or word in _VERBS
        for word, noun in zip(words, nouns, strict=True)
    ):
        return True
    for start, word in enumerate(words):
        if word not in _VERBS:
            continue
        for offset in range(start + 1, min(start + 1 + lexicon.HUMAN_MAX_GAP, len(words))):
            if nouns[offset]:
                return True
            # Swear words may sit in between: "speak to a damn live agent".
            if words[offset] not in _FILLERS and not lexicon.SWEARING.fullmatch(words[offset]):
                break
    return False


@lru_cache(maxsize=8192)
def _normalise(word: str) -> str:
    """Undoes the commonest typing slips: doubled letters ("witth") and a glued "to"."""
    collapsed = re.sub(r"(.)\1+", r"\1", word)
    candidates = (word, collapsed, word[2:] if word.startswith("to") else "", word[:-2] if word.endswith("to") else "")
    return next((c for c in candidates if c in _HUMAN_VOCABULARY), word)


class _Vocabulary:
    """A word list that also accepts typos: one edit away from a word of `min_letters` or
    more, or two swapped letters in a shorter word ("tlak" -> talk)."""

    def __init__(self, words: frozenset[str], min_letters: int) -> None:
        self._words = words
        # Symmetric-delete index: a typo and its word share a one-letter deletion (or are
        # equal after one), so a lookup costs a few dict probes, not a scan of the list.
        self._by_deletion: dict[str, set[str]] = {}
        for word in words:
            if len(word) >= min_letters:
                for key in _deletions(word) | {word}:
                    self._by_deletion.setdefault(key, set()).add(word)
        # Customers reuse the same few hundred words: remember the answers.
        self._is_typo = lru_cache(maxsize=8192)(self._is_typo_uncached)

    def __contains__(self, word: str) -> bool:
        return word in self._words or self._is_typo(word)

    def _is_typo_uncached(self, word: str) -> bool:
        if any(_swap(word, i) in self._words for i in range(len(word) - 1)):
            return True
        candidates = set().union(*(self._by_deletion.get(k, ()) for k in _deletions(word) | {word}))
        return any(_one_edit_apart(word, known) for known in candidates)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _swap(word: str, i: int) -> str:
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


_NOUNS = _Vocabulary(lexicon.HUMAN_NOUNS, lexicon.FUZZY_MIN_LETTERS)
_VERBS = _Vocabulary(lexicon.HUMAN_VERBS, lexicon.FUZZY_MIN_LETTERS)
_FILLERS = _Vocabulary(lexicon.HUMAN_FILLERS, lexicon.FUZZY_MIN_FILLER_LETTERS)


def _one_edit_apart(a: str, b: str) -> bool:
    """True if `a` becomes `b` by one insertion, deletion, substitution or adjacent swap."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    prefix = 0
    while prefix < min(len(a), len(b)) and a[prefix] == b[prefix]:
        prefix += 1
    if len(a) == len(b):
        rest_a, rest_b = a[prefix + 1 :], b[prefix + 1 :]
        swapped = a[prefix + 1 : prefix + 2] + a[prefix : prefix + 1] == b[prefix : prefix + 2]
        return rest_a == rest_b or (swapped and a[prefix + 2 :] == b[prefix + 2 :])
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return longer[prefix + 1 :] == shorter[prefix:]
