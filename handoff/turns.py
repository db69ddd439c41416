"""What happened in each customer turn of a conversation, kept in Redis for detection and summaries."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field

import redis

from protocol.replies import REPLY_KINDS

KEEP_TURNS = 200
KEEP_SECONDS = 7 * 24 * 3600  # as long as Rasa keeps the tracker
# Intents that add nothing to the problem an agent will read about.
CHIT_CHAT = frozenset({"greet", "goodbye", "thank", "bot_challenge", "capabilities", "affirm", "deny"})
# Outcomes of a turn the knowledge base replied to: the customer asked a question.
KB_OUTCOMES = REPLY_KINDS


@dataclass
class TurnRecord:
    """One customer message and what the bot made of it."""

    text: str
    intent: str = ""
    outcome: str = ""  # "answer" | "clarify" | "dont_know" | "handoff" | "" (small talk etc.)
    entries: list[str] = field(default_factory=list)  # KB entries shown in reply
    feedback: str = ""  # "yes" | "no" | "" : the reaction to the previous answer
    level: str = "none"  # frustration level after this turn
    at: float = field(default_factory=time.time)
    version: str = ""  # the answered entry's version (kb.store.fingerprint): what the customer read


def rejected_entries(turns: list[TurnRecord]) -> list[str]:
    """The entries the customer said no to in this conversation (an answer, or every choice offered)."""
    rejected: list[str] = []
    shown: list[str] = []
    for turn in turns:
        if turn.feedback == "no":
            rejected += [e for e in shown if e not in rejected]
        # A "no" to an answer rejects that entry; to a set of choices, all of them.
        if turn.outcome == "answer":
            shown = turn.entries[-1:]
        elif turn.outcome == "clarify":
            shown = list(turn.entries)
        elif turn.outcome or turn.feedback:
            shown = []
    return rejected


class TurnLog:
    """Appends and reads a conversation's turns (bounded in number and time)."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    @staticmethod
    def key(sender_id: str) -> str:
        """The Redis key of a conversation's turn log."""
        return f"turns:{sender_id}"

    def append(self, sender_id: str, turn: TurnRecord) -> None:
        key = self.key(sender_id)
        pipe = self._redis.pipeline(transaction=False)
        pipe.rpush(key, json.dumps(asdict(turn)))
        pipe.ltrim(key, -KEEP_TURNS, -1)
        pipe.expire(key, KEEP_SECONDS)
        pipe.execute()

    def all(self, sender_id: str) -> list[TurnRecord]:
        return [TurnRecord(**json.loads(raw)) for raw in self._redis.lrange(self.key(sender_id), 0, -1)]
