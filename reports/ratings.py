"""Customers' 1-5 ratings at the end of a chat, with the bot or with a person, for the desk's report.

Playbook: "ask for feedback (a rating) at the end; feedback feeds service improvement". A chat
with a person is rated when the agent resolves it (the rating is also kept on the handoff); a
chat with the bot alone when the customer says goodbye. Each rating keeps what the report needs to
act on it: for the bot, the customer's questions (masked) and the entries shown; for a person, the
ticket and the agent.

Redis: `feedback` (a stream, the newest MAX_RATINGS) and `feedback:rated:{kind}:{chat}` (set once,
so a chat counts once however often the form is sent).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import redis

from customers.facts import hashed_conversation, mask_personal

FEEDBACK_KEY = "feedback"
MAX_RATINGS = 10_000
MAX_COMMENT_CHARS = 500  # the widget's comment box holds as much
RATED_TTL_SECONDS = 30 * 86400
Kind = Literal["bot", "agent"]


def rated_key(kind: Kind, chat: str) -> str:
    return f"feedback:rated:{kind}:{chat}"


@dataclass(frozen=True)
class Rating:
    """One customer's rating of one chat."""

    id: str
    kind: Kind
    score: int
    comment: str
    at: float
    questions: tuple[str, ...] = ()  # bot: what the customer asked (masked)
    entries: tuple[str, ...] = ()  # bot: the KB entries shown
    ticket: str = ""  # agent: the handoff
    agent: str = ""  # agent: who had the chat


@dataclass(frozen=True)
class Tally:
    """The ratings of one kind over a period."""

    count: int
    average: float
    by_score: tuple[int, int, int, int, int]  # how many 1s, 2s, ... 5s


def tally(ratings: Iterable[Rating]) -> Tally:
    scores = [r.score for r in ratings]
    by_score = tuple(scores.count(s) for s in range(1, 6))
    return Tally(len(scores), sum(scores) / len(scores) if scores else 0.0, by_score)  # type: ignore[arg-type]


class FeedbackLog:
    """The ratings in Redis: a bounded stream every replica appends to."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def record(self, kind: Kind, chat: str, score: int, comment: str = "", questions: Iterable[str] = (),
               entries: Iterable[str] = (), ticket: str = "", agent: str = "") -> bool:
        """Keep a rating of the chat `chat`; False (nothing kept) if that chat was already rated.

        `score` must be 1-5 (callers check what customers send); the comment is cut to
        MAX_COMMENT_CHARS and masked like the questions.
        """
        if not 1 <= score <= 5:
            raise ValueError(f"a rating is 1 to 5, not {score}")
        if not self._redis.set(rated_key(kind, chat), 1, nx=True, ex=RATED_TTL_SECONDS):
            return False
        fields = {
            "chat": hashed_conversation(chat), "kind": kind, "score": score,
            "comment": mask_personal(comment[:MAX_COMMENT_CHARS]), "at": time.time(),
            "questions": json.dumps([mask_personal(q) for q in questions]), "entries": json.dumps(list(entries)),
            "ticket": ticket, "agent": agent,
        }
        self._redis.xadd(FEEDBACK_KEY, fields, maxlen=MAX_RATINGS, approximate=True)
        return True

    def rated(self, kind: Kind, chat: str) -> bool:
        """Whether the chat `chat` was rated (in the last RATED_TTL_SECONDS)."""
        return bool(self._redis.exists(rated_key(kind, chat)))

    def since(self, when: float) -> list[Rating]:
        """The ratings given since `when`, newest first."""
        rows = self._redis.xrevrange(FEEDBACK_KEY, max="+", min=f"{int(when * 1000)}-0")
        return [self._rating(stream_id, fields) for stream_id, fields in rows]

    @staticmethod
    def _rating(stream_id: bytes, fields: dict[bytes, bytes]) -> Rating:
        text = {k.decode(): v.decode() for k, v in fields.items()}
        return Rating(
            id=stream_id.decode(), kind=text["kind"], score=int(text["score"]),  # type: ignore[arg-type]
            comment=text["comment"], at=float(text["at"]), questions=tuple(json.loads(text["questions"])),
            entries=tuple(json.loads(text["entries"])), ticket=text["ticket"], agent=text["agent"],
        )
