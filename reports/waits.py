"""How long customers handed to a person waited, against the playbook's response targets.

Playbook: upset customers within 1 minute, calm ones within about 3 (handoff.records). A handoff
counts as met when a person took it within its target; as missed when they took it later, or it
waited past its target untaken (the customer may have left); one still waiting within its target
is not decided yet. Offline tickets (taken while nobody was online) have a 24-hour target and are
counted apart: their wait is for a reply, not for someone to take a chat.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from handoff.records import PRIORITY_NAMES, RESPONSE_TARGET, TICKET_RESPONSE_TARGET, Handoff


@dataclass(frozen=True)
class WaitFigures:
    """The live handoffs of one priority over a period."""

    priority: str
    target_seconds: float
    handed_off: int
    taken: int
    met: int  # taken within the target
    missed: int  # taken late, or waited past the target untaken
    median_wait: float | None  # seconds until taken, of those taken
    longest_wait: float | None

    @property
    def met_share(self) -> float | None:
        decided = self.met + self.missed
        return self.met / decided if decided else None


def is_offline_ticket(handoff: Handoff) -> bool:
    """Taken as a ticket while nobody could chat (its target is the ticket's 24 hours)."""
    return handoff.deadline_at - handoff.created_at >= TICKET_RESPONSE_TARGET


def wait_figures(handoffs: Sequence[Handoff], now: float) -> list[WaitFigures]:
    """Figures per priority (highest first) for the live handoffs among `handoffs`."""
    rows = []
    for priority in sorted(PRIORITY_NAMES, reverse=True):
        group = [h for h in handoffs if h.priority == priority and not is_offline_ticket(h)]
        if not group:
            continue
        waits = [h.claimed_at - h.created_at for h in group if h.claimed_at]
        met = sum(1 for h in group if h.claimed_at and h.claimed_at <= h.deadline_at)
        missed = sum(1 for h in group if (h.claimed_at or now) > h.deadline_at)
        rows.append(WaitFigures(
            PRIORITY_NAMES[priority], RESPONSE_TARGET[priority], len(group), len(waits), met, missed,
            statistics.median(waits) if waits else None, max(waits) if waits else None,
        ))
    return rows
