"""Who may see, take and work on which handoff."""

from __future__ import annotations

from desk.roles import allowed
from desk.users import User
from handoff.records import Handoff


def may_claim(user: User, handoff: Handoff) -> bool:
    """Waiting in a queue the user works: the agent queue, or the supervisor queue for supervisors."""
    return handoff.state == "queued" and (handoff.audience == "agents" or allowed(user.role, "supervise"))


def may_view(user: User, handoff: Handoff) -> bool:
    """Supervisors see everything; agents their own, what they may take, and offline tickets."""
    if allowed(user.role, "supervise"):
        return True
    return allowed(user.role, "desk") and (
        handoff.agent == user.name or handoff.state == "ticket" or may_claim(user, handoff)
    )


def may_work(user: User, handoff: Handoff) -> bool:
    """Chat, transfer, resolve: the agent who has it (or a supervisor); offline tickets: any agent."""
    if handoff.state == "ticket":
        return allowed(user.role, "desk")
    return handoff.state == "assigned" and (handoff.agent == user.name or allowed(user.role, "supervise"))
