"""The service report: how conversations ended (reports.containment), customers' 1-5 ratings
(reports.ratings) and how long they waited for a person (reports.waits), to act on.

Content owners see the bot's ratings, with what each customer asked and the entries they were
shown, so a low score points at the entries to fix. Supervisors also see the ratings of chats
with people, by agent, each linked to its conversation, and the waits against the targets.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from desk.auth import guard
from desk.pages import render
from desk.roles import allowed
from desk.services import services
from reports.containment import conversation_figures
from reports.ratings import FeedbackLog, Rating, Tally, tally
from reports.waits import is_offline_ticket, wait_figures

PERIODS = (7, 30, 90)  # days the page can look back
LOW_SCORE = 2  # ratings at or below are the ones to look at first
LISTED = 50


@dataclass(frozen=True)
class AgentRow:
    agent: str
    tally: Tally


def by_agent(ratings: list[Rating]) -> list[AgentRow]:
    """Each agent's ratings, the lowest average first (where help is most needed)."""
    names = sorted({r.agent or "unknown" for r in ratings})
    rows = [AgentRow(name, tally(r for r in ratings if (r.agent or "unknown") == name)) for name in names]
    return sorted(rows, key=lambda row: (row.tally.average, row.agent))


def listed(ratings: list[Rating]) -> list[Rating]:
    """The low ratings first, then the rest; newest first within each."""
    return sorted(ratings, key=lambda r: (r.score > LOW_SCORE, -r.at))[:LISTED]


@guard("feedback")
async def feedback(request: Request) -> Response:
    try:
        days = int(request.query_params.get("days", "30"))
    except ValueError:
        days = 30
    days = days if days in PERIODS else 30
    svc = services(request)
    since, supervisor = time.time() - days * 86400, allowed(request.state.user.role, "supervise")
    ratings, snapshot, contacts = await asyncio.gather(
        asyncio.to_thread(FeedbackLog(svc.redis).since, since), asyncio.to_thread(svc.kb.snapshot),
        asyncio.to_thread(svc.contacts.started_since, since))
    handoffs = await asyncio.to_thread(svc.queue.created_since, since) if supervisor else []
    bot = [r for r in ratings if r.kind == "bot"]
    people = [r for r in ratings if r.kind == "agent"] if supervisor else []
    return render(request, "feedback.html", {
        "days": days, "periods": PERIODS, "low": LOW_SCORE, "figures": conversation_figures(contacts, time.time()),
        "bot": tally(bot), "bot_listed": listed(bot), "titles": {i: e.title for i, e in snapshot.entries.items()},
        "people": tally(people), "people_listed": listed(people), "agents": by_agent(people),
        "waits": wait_figures(handoffs, time.time()), "tickets": sum(map(is_offline_ticket, handoffs)),
        # A content owner saves what a customer asked as a golden question (desk.gate_view).
        "entry_choices": sorted(((i, e.title) for i, e in snapshot.entries.items()), key=lambda c: c[1].lower())
        if allowed(request.state.user.role, "kb") else [],
    })


routes = [Route("/desk/feedback", feedback)]
