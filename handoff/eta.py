"""The estimated wait a queued customer is told."""

from __future__ import annotations

import math


def eta_minutes(position: int, agents: int, average_handle_minutes: float) -> int:
    """Estimated wait: the conversations ahead, shared among the agents online (at least a minute)."""
    return max(1, math.ceil(position * average_handle_minutes / max(agents, 1)))
