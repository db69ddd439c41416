"""The queue page's data, read from Redis and cut to what the user's role may see."""

from __future__ import annotations

import time
from typing import Any

from desk.access import may_claim
from desk.handling import SUMMARY_RATINGS, SUMMARY_RATINGS_KEY
from desk.roles import allowed
from desk.services import Services
from desk.users import User
from handoff.presence import online_agents
from handoff.records import PRIORITY_NAMES, Handoff
from handoff.summary_views import for_queue_card

RECENT_LIMIT = 500  # open conversations are among the newest handoffs


def card(handoff: Handoff, names: dict[str, str], skills: tuple[str, ...] = ()) -> dict[str, Any]:
    """What a queue row shows; plain data, rendered as text by the page."""
    summary = for_queue_card(handoff.summary)
    return {
        "ticket": handoff.ticket, "state": handoff.state, "priority": handoff.priority,
        "priority_name": PRIORITY_NAMES.get(handoff.priority, str(handoff.priority)),
        "audience": handoff.audience, "created_at": handoff.created_at, "deadline_at": handoff.deadline_at,
        "reasons": [{k: str(r.get(k, "")) for k in ("kind", "detail", "quote")} for r in handoff.reasons],
        "flagged": handoff.flagged, "repeat_contacts": handoff.repeat_contacts,
        "agent": names.get(handoff.agent, handoff.agent),
        "customer": summary.customer,
        "unverified": summary.unverified,  # given by the website without a valid signature
        "issue": summary.issue,
        "contact_details": handoff.contact_details,
        "category": summary.category, "your_skill": summary.category in skills,
    }


def queue_snapshot(services: Services, user: User) -> dict[str, Any]:
    """Waiting customers the user may take, their conversations, offline tickets (plus, for
    supervisors, everyone's conversations and the summary ratings)."""
    names = {u.name: u.display_name for u in services.users.all()}
    supervisor = allowed(user.role, "supervise")
    assigned = [h for h in services.queue.recent(RECENT_LIMIT) if h.state == "assigned"]
    # Skills routing: within a priority, the customers whose topic is one of the agent's skills
    # come first for that agent. Never across priorities: an upset customer is not passed over.
    waiting = [card(h, names, user.skills) for h in services.queue.waiting() if may_claim(user, h)]
    waiting.sort(key=lambda item: (-item["priority"], not item["your_skill"]))
    snapshot: dict[str, Any] = {
        "now": time.time(),
        "waiting": waiting,
        "mine": [card(h, names) for h in assigned if h.agent == user.name],
        "tickets": [card(h, names) for h in services.queue.offline_tickets()],
        "online": sorted(names.get(a, a) for a in online_agents(services.redis)),
    }
    if supervisor:
        snapshot["others"] = [card(h, names) for h in assigned if h.agent != user.name]
        counts = {k.decode(): int(v) for k, v in services.redis.hgetall(SUMMARY_RATINGS_KEY).items()}
        snapshot["summary_ratings"] = [{"label": label, "count": counts.get(key, 0)}
                                       for key, label in SUMMARY_RATINGS.items()]
    return snapshot
