"""Synthetic knowledge bases of any size, from real English words, for the scale benchmark.

Each entry is about a topic of two English words, asked about in 5 different phrasings picked from
customer-support question patterns. Seeded, so a size always gives the same KB. The words are those
of two English texts shipped on this machine (Python's language reference, pydoc_data, and the
licence texts in /usr/share/common-licenses) that the sentence model also knows as whole words (so
no proper names, no fragments): ~2,600 words, ~7 million topics.
"""

from __future__ import annotations

import dataclasses
import functools
import pydoc_data.topics
import random
import re
from pathlib import Path

from kb.entry import Entry

LICENCES = Path("/usr/share/common-licenses")

VARIANTS = 5
PATTERNS = [
    "How do I {verb} my {a} {b}?", "Can I {verb} the {a} {b} online?", "My {a} {b} is not working",
    "Where can I find the {a} {b}?", "What happens to my {b} if the {a} is late?",
    "Is there a fee for the {a} {b}?", "I need help with a {a} {b}", "Why was my {a} {b} refused?",
    "How long does a {a} {b} take?", "Do you offer {a} {b} abroad?", "who do i contact about {a} {b}",
    "{a} {b} problem, please help", "Can someone explain the {a} {b} to me?",
    "I want to {verb} a {a} {b} I ordered last week",
]
VERBS = ["change", "cancel", "update", "renew", "check", "return", "replace", "book", "transfer", "activate"]
CATEGORIES = ["orders", "payments", "delivery", "account", "returns", "products"]


@functools.lru_cache(maxsize=1)
def english_words(model_dir: Path) -> list[str]:
    """Lower-case words of 4-12 letters in the English texts on disk and the model's vocabulary."""
    prose = " ".join(pydoc_data.topics.topics.values())
    if LICENCES.is_dir():
        prose += " ".join(p.read_text(errors="ignore") for p in sorted(LICENCES.iterdir()) if p.is_file())
    vocab = set((model_dir / "vocab.txt").read_text(encoding="utf-8").split())
    return sorted(w for w in set(re.findall(r"\b[a-z]{4,12}\b", prose)) if w in vocab)


def _entry(entry_id: str, a: str, b: str, rng: random.Random) -> Entry:
    questions = [p.format(a=a, b=b, verb=rng.choice(VERBS)) for p in rng.sample(PATTERNS, VARIANTS)]
    return Entry(
        id=entry_id, title=f"{a.capitalize()} {b}", category=rng.choice(CATEGORIES),
        tags=(a, b), owner="bench", last_reviewed="2026-01-01", questions=tuple(questions),
        answer=f"Everything about your {a} {b}: see the {b} page, or ask us to {rng.choice(VERBS)} it.",
        related=(),
    )


def synthetic_kb(size: int, model_dir: Path, seed: int = 0) -> list[Entry]:
    """`size` entries, each with a distinct two-word topic and VARIANTS differently phrased questions."""
    rng = random.Random(seed)
    words = english_words(model_dir)
    topics: set[tuple[str, str]] = set()
    while len(topics) < size:
        topics.add((rng.choice(words), rng.choice(words)))
    ordered = sorted(topics)
    rng.shuffle(ordered)
    return [_entry(f"topic-{n:06d}", a, b, rng) for n, (a, b) in enumerate(ordered)]


def edit(entry: Entry | None, n: int, model_dir: Path) -> tuple[Entry, str]:
    """The `n`th benchmark edit: `entry` rewritten about a new topic (its questions and answer,
    as an editor repurposing an entry), or (`entry` None) a new entry on a new topic; and one of
    the new questions as a customer types it. Before the edit is patched in, no entry answers it."""
    rng = random.Random(f"edit {n}")
    words = english_words(model_dir)
    rewritten = _entry(entry.id if entry else f"added-{n:06d}", rng.choice(words), rng.choice(words), rng)
    if entry is not None:
        rewritten = dataclasses.replace(entry, title=rewritten.title, questions=rewritten.questions,
                                        answer=rewritten.answer, tags=rewritten.tags)
    return rewritten, customer_phrasing(rewritten.questions[0])


def customer_phrasing(question: str) -> str:
    """How a customer might type a stored question: lower case, no punctuation."""
    return re.sub(r"[^\w ]", "", question.lower())
