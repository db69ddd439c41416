"""The handoff record and its transcript lines, as stored in Redis."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from handoff.summary import Summary

State = Literal["queued", "assigned", "returned", "resolved", "ticket"]
Who = Literal["customer", "bot", "agent", "note", "system"]

# Priorities: higher goes first. Legal threats and high frustration jump the queue;
# repeat contacts and rising frustration come next (service playbook: "Frustrated customers").
PRIORITY_LEGAL = 3
PRIORITY_HIGH = 2
PRIORITY_RAISED = 1
PRIORITY_NORMAL = 0
PRIORITY_NAMES = {3: "legal", 2: "high", 1: "raised", 0: "normal"}

# Response targets in seconds: upset customers within a minute, calm ones within three;
# tickets taken while nobody is online within 24 hours (service playbook).
RESPONSE_TARGET = {PRIORITY_LEGAL: 60, PRIORITY_HIGH: 60, PRIORITY_RAISED: 120, PRIORITY_NORMAL: 180}
TICKET_RESPONSE_TARGET = 24 * 3600


@dataclass
class Line:
    """One line of a handoff's transcript."""

    who: Who
    text: str
    name: str = ""
    at: float = field(default_factory=time.time)
    answer: dict[str, str] | None = None  # a bot line that was a KB answer: its {"entry", "version"}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Handoff:
    """A conversation handed to people: everything the agent needs, none of it only in a process."""

    ticket: str
    sender_id: str
    channel: str
    customer: dict[str, Any]
    priority: int
    reasons: list[dict[str, str]]
    summary: Summary
    state: State
    created_at: float
    deadline_at: float
    agent: str = ""
    audience: Literal["agents", "supervisors"] = "agents"
    flagged: bool = False
    repeat_contacts: int = 0
    contact_details: str = ""
    rating: dict[str, Any] | None = None
    summary_rating: str = ""
    claimed_at: float = 0.0  # when a person first took it (0: not yet)

    def to_dict(self) -> dict[str, Any]:
        """The stored shape (JSON values)."""
        return {**asdict(self), "summary": self.summary.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Handoff:
        return cls(**{**data, "summary": Summary.from_dict(data.get("summary") or {})})
