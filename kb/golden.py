"""Golden questions: a customer's wording and the entry that must answer it, saved by content owners.

With every entry's own question variants they make the KB's regression set, which the publish
gate (kb.gate) runs before an edit or an import takes effect.

Key:
  * `kb:golden`  hash: the question, normalised (golden_id) -> JSON {question, entry, by, at}.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import redis

GOLDEN_KEY = "kb:golden"
MAX_QUESTION_CHARS = 300  # as a question variant (desk.kb_form)


@dataclass(frozen=True)
class Golden:
    """A question and the entry that must answer it."""

    question: str
    entry: str  # entry id
    by: str = ""
    at: float = 0.0


def golden_id(question: str) -> str:
    """The same question however it is spaced or capitalised is one golden question."""
    return " ".join(question.split()).casefold()


def clean_question(question: str) -> str:
    """The question as stored: one line, trimmed; ValueError if empty or too long."""
    text = " ".join(question.split())
    if not text:
        raise ValueError("a golden question needs a question")
    if len(text) > MAX_QUESTION_CHARS:
        raise ValueError(f"a golden question is at most {MAX_QUESTION_CHARS} characters")
    return text


class GoldenStore:
    """Reads and writes golden questions in Redis."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def all(self) -> list[Golden]:
        """Every golden question, by entry then question."""
        rows = (Golden(**json.loads(raw)) for raw in self._redis.hvals(GOLDEN_KEY))
        return sorted(rows, key=lambda g: (g.entry, g.question.casefold()))

    def of(self, entry_id: str) -> list[Golden]:
        """The golden questions one entry must answer."""
        return [g for g in self.all() if g.entry == entry_id]

    def add(self, question: str, entry_id: str, by: str = "") -> Golden:
        """Save (or re-point) a golden question; returns it as stored."""
        golden = Golden(clean_question(question), entry_id, by, time.time())
        self._redis.hset(GOLDEN_KEY, golden_id(golden.question), json.dumps(asdict(golden)))
        return golden

    def add_many(self, goldens: Iterable[Golden], replace: bool = False) -> int:
        """Save several at once (an import); with `replace`, the others are removed. Returns how many."""
        rows = {golden_id(g.question): json.dumps(asdict(g)) for g in goldens}
        pipe = self._redis.pipeline(transaction=True)
        if replace:
            pipe.delete(GOLDEN_KEY)
        if rows:
            pipe.hset(GOLDEN_KEY, mapping=rows)
        pipe.execute()
        return len(rows)

    def remove(self, question: str) -> bool:
        """Forget a golden question; False if there was none."""
        return bool(self._redis.hdel(GOLDEN_KEY, golden_id(question)))
