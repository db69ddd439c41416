"""Turns ranked hits into the reply kind: answer, clarify (offer close entries) or don't know."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from protocol.replies import ANSWER, CLARIFY, DONT_KNOW, ReplyKind

if TYPE_CHECKING:  # importing this module must not load FAISS and the encoder
    from kb.index import Hit
    from kb.retrieval_config import Thresholds

MIN_CHOICES = 2


@dataclass(frozen=True)
class Decision:
    """What to do with a question: the answered entry (1 hit), the choices (2-4 hits) or nothing."""

    kind: ReplyKind
    hits: tuple[Hit, ...] = ()


def decide(hits: Sequence[Hit], thresholds: Thresholds) -> Decision:
    """Answer only a clear, confident winner; otherwise offer the close entries, or give up.

    Args:
        hits: ranked hits, best first (RetrievalIndex.search).
        thresholds: the cut-offs from kb/retrieval.yml.
    """
    if not hits or hits[0].score < thresholds.clarify_min:
        return Decision(DONT_KNOW)
    best = hits[0]
    runner_up = hits[1].score if len(hits) > 1 else 0.0
    if best.score >= thresholds.answer_min and best.score - runner_up >= thresholds.answer_margin:
        return Decision(ANSWER, (best,))
    close = [h for h in hits[: thresholds.clarify_max] if h.score >= best.score - thresholds.clarify_window]
    # A confident-but-contested winner still gets a choice: offer at least the best two.
    choices = tuple(close if len(close) >= MIN_CHOICES else hits[:MIN_CHOICES])
    if len(choices) < MIN_CHOICES:
        return Decision(DONT_KNOW)
    return Decision(CLARIFY, choices)
