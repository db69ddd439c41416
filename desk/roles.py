"""Roles and what each may see: the one place that answers "may this user do that?"."""

from __future__ import annotations

from typing import Literal

Role = Literal["agent", "supervisor", "content_owner", "admin"]
ROLES: tuple[Role, ...] = ("agent", "supervisor", "content_owner", "admin")

# desk: the agent queue, own conversations, offline tickets; supervise: the supervisor queue,
# everyone's conversations, summary ratings, customers' ratings of people; kb: the
# knowledge-base editor; notices: posting service notices (bad news told to customers);
# feedback: customers' ratings of the bot (and, with supervise, of people); users: the user list.
Permission = Literal["desk", "supervise", "kb", "notices", "feedback", "users"]
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    "agent": frozenset({"desk"}),
    "supervisor": frozenset({"desk", "supervise", "notices", "feedback"}),
    "content_owner": frozenset({"kb", "notices", "feedback"}),
    "admin": frozenset({"desk", "supervise", "kb", "notices", "feedback", "users"}),
}


def allowed(role: str, permission: Permission) -> bool:
    """True if `role` has `permission` (unknown roles have none)."""
    return permission in PERMISSIONS.get(role, frozenset())  # type: ignore[call-overload]


def home(role: str) -> str:
    """The page a user lands on after logging in."""
    return "/desk" if allowed(role, "desk") else "/desk/kb"
