"""What customers asked that the KB could not answer, kept for content owners and grouped by meaning.

Two kinds of gap are kept: a question the bot had no answer for ("unanswered") and an answer or a
set of choices the customer said no to ("rejected"). Each carries the question's embedding from
the base model, so the desk can group questions that mean the same without loading a model.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import redis

from customers.facts import hashed_conversation, mask_personal

GAPS_KEY = "kb:gaps"  # stream, newest last
MAX_GAPS = 5000  # older gaps are trimmed: the page is about what customers ask now
# A conversation keeps at most this many (until it has been quiet for a day), so a flood from
# one chat can't push out everyone else's questions.
MAX_PER_CONVERSATION = 20
# Questions join a group when their cosine to its centroid (base MiniLM) is at least this.
# Measured by grouping 600 random questions of each tuning set (share of questions whose group is
# mostly their own intent, and groups formed): Bitext, 27 e-commerce intents: 0.55 79% / 41 groups,
# 0.60 84% / 58, 0.65 90% / 75, 0.70 91% / 102; BANKING77, 77 fine-grained banking intents:
# 0.60 64% / 118, 0.65 75% / 175. 0.60 keeps a store's list short and its groups mostly about one
# thing ("Can I pay with bitcoin?" and "Do you accept crypto currency?" are 0.59 apart, a near miss).
GROUP_SIMILARITY = 0.60
GapKind = Literal["unanswered", "rejected"]


@dataclass(frozen=True)
class Gap:
    """One question the KB fell short on."""

    id: str  # the stream id
    question: str
    kind: GapKind
    entries: tuple[str, ...]  # the entries the customer said no to (none for "unanswered")
    conversation: str  # a hash of the conversation, to count customers rather than messages
    at: float
    vector: np.ndarray


@dataclass
class GapGroup:
    """Questions that mean nearly the same, newest first."""

    gaps: list[Gap] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        """The group's gap ids (to remove them once handled)."""
        return [g.id for g in self.gaps]

    @property
    def customers(self) -> int:
        """How many conversations asked it (one customer asking twice counts once)."""
        return len({g.conversation for g in self.gaps})

    @property
    def last_at(self) -> float:
        """When it was last asked."""
        return max(g.at for g in self.gaps)

    @property
    def questions(self) -> list[str]:
        """The distinct wordings, newest first."""
        seen: dict[str, None] = {}
        for gap in sorted(self.gaps, key=lambda g: -g.at):
            seen.setdefault(gap.question, None)
        return list(seen)

    @property
    def rejected_entries(self) -> list[str]:
        """The entries customers said no to, most often first."""
        counts: dict[str, int] = {}
        for gap in self.gaps:
            for entry_id in gap.entries:
                counts[entry_id] = counts.get(entry_id, 0) + 1
        return sorted(counts, key=lambda e: (-counts[e], e))

    def count(self, kind: GapKind) -> int:
        """How many of the group's gaps are of `kind`."""
        return sum(1 for g in self.gaps if g.kind == kind)


def per_conversation_key(hashed: str) -> str:
    """The counter of the gaps one (hashed) conversation added."""
    return f"{GAPS_KEY}:per:{hashed}"


class GapLog:
    """The gaps in Redis: a bounded stream every replica appends to."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def record(
        self, question: str, kind: GapKind, entries: Iterable[str], conversation: str, vector: np.ndarray,
    ) -> bool:
        """Keep one gap (the question masked, the conversation id hashed); False if the
        conversation already gave its share."""
        hashed = hashed_conversation(conversation)
        counter = per_conversation_key(hashed)
        pipe = self._redis.pipeline(transaction=True)
        pipe.incr(counter)
        pipe.expire(counter, 86400)
        if pipe.execute()[0] > MAX_PER_CONVERSATION:
            return False
        self._redis.xadd(GAPS_KEY, {
            "question": mask_personal(question), "kind": kind, "entries": ",".join(entries),
            "conversation": hashed, "at": repr(time.time()), "vector": np.asarray(vector, dtype=np.float16).tobytes(),
        }, maxlen=MAX_GAPS, approximate=True)
        return True

    def all(self) -> list[Gap]:
        """Every kept gap, oldest first."""
        return [_gap(stream_id, fields) for stream_id, fields in self._redis.xrange(GAPS_KEY)]

    def remove(self, ids: Iterable[str]) -> int:
        """Forget gaps (a content owner dealt with them); returns how many were removed."""
        ids = list(ids)
        return int(self._redis.xdel(GAPS_KEY, *ids)) if ids else 0


def _gap(stream_id: bytes, fields: dict[bytes, bytes]) -> Gap:
    entries = fields[b"entries"].decode()
    return Gap(
        id=stream_id.decode(), question=fields[b"question"].decode(), kind=fields[b"kind"].decode(),  # type: ignore[arg-type]
        entries=tuple(entries.split(",")) if entries else (), conversation=fields[b"conversation"].decode(),
        at=float(fields[b"at"]), vector=np.frombuffer(fields[b"vector"], dtype=np.float16).astype(np.float32),
    )


def group_gaps(gaps: list[Gap], min_similarity: float = GROUP_SIMILARITY) -> list[GapGroup]:
    """Group gaps by meaning (each joins the closest group centroid, else starts one).

    Groups asked by the most customers come first, then the most recent.
    """
    groups: list[GapGroup] = []
    if not gaps:
        return groups
    # Per group, the sum of its vectors (the centroid's direction) and that sum's length, kept
    # up to date as gaps join, so each gap costs one matrix-vector product.
    sums = np.zeros((len(gaps), gaps[0].vector.shape[0]), dtype=np.float32)
    norms = np.ones(len(gaps), dtype=np.float32)
    for gap in gaps:
        similarity = sums[: len(groups)] @ gap.vector / norms[: len(groups)]
        best = int(similarity.argmax()) if len(groups) and similarity.max() >= min_similarity else len(groups)
        if best == len(groups):
            groups.append(GapGroup())
        groups[best].gaps.append(gap)
        sums[best] += gap.vector
        norms[best] = max(float(np.linalg.norm(sums[best])), 1e-9)
    return sorted(groups, key=lambda g: (-g.customers, -g.last_at))
