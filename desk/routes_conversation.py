"""One conversation: the page (summary, transcript, earlier contacts, controls) and its actions."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from customers.contacts import RETENTION_SECONDS
from desk.access import may_claim, may_work
from desk.auth import guard
from desk.handling import SUMMARY_RATINGS, DeskError, Handling
from desk.pages import SECURITY_HEADERS, render
from desk.roles import allowed
from desk.services import Services, services
from desk.users import User
from handoff.provenance import shown_answers
from handoff.records import PRIORITY_NAMES, Handoff
from handoff.summary_views import for_desk_page, for_ticket_email


def _page_data(svc: Services, handling: Handling, handoff: Handoff, user: User) -> dict[str, Any]:
    earlier, possible = svc.contacts.earlier_for_staff(handoff.customer, time.time() - RETENTION_SECONDS,
                                                       handoff.sender_id)
    colleagues = [u for u in svc.users.all() if allowed(u.role, "desk") and u.name not in (handoff.agent, "")]
    return {
        "h": handoff, "s": for_desk_page(handoff.summary),
        "priority": PRIORITY_NAMES.get(handoff.priority, handoff.priority),
        "agent": handling.display(handoff.agent) if handoff.agent else "",
        "earlier": earlier, "possible": possible, "now": time.time(), "colleagues": colleagues,
        "may_claim": may_claim(user, handoff), "may_work": may_work(user, handoff),
        "chatting": handoff.state == "assigned" and may_work(user, handoff),
        "summary_ratings": SUMMARY_RATINGS,
        "answers": shown_answers(svc.queue.transcript(handoff.ticket), svc.kb),
    }


@guard("desk")
async def page(request: Request) -> Response:
    svc, user = services(request), request.state.user
    handling = Handling(svc)
    try:
        handoff = await handling.load(request.path_params["ticket"], user)
    except DeskError as error:
        return render(request, "error.html", {"title": "Conversation", "message": error.message}, error.status)
    return render(request, "conversation.html", await asyncio.to_thread(_page_data, svc, handling, handoff, user))


@guard("desk")
async def ticket_text(request: Request) -> Response:
    """The ticket as plain text, to answer it by e-mail or pass it on (same access as the page)."""
    svc = services(request)
    try:
        handoff = await Handling(svc).load(request.path_params["ticket"], request.state.user)
    except DeskError as error:
        return PlainTextResponse(error.message, status_code=error.status, headers=SECURITY_HEADERS)
    answers = await asyncio.to_thread(lambda: shown_answers(svc.queue.transcript(handoff.ticket), svc.kb))
    return PlainTextResponse(for_ticket_email(handoff, answers), headers={
        **SECURITY_HEADERS, "Content-Disposition": f'inline; filename="{handoff.ticket}.txt"'})


async def _fields(request: Request) -> dict[str, str]:
    """JSON from the desk's script, or a plain form."""
    if request.headers.get("content-type", "").startswith("application/json"):
        data = await request.json()
        return {k: str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    return {k: str(v) for k, v in (await request.form()).items()}


@guard("desk")
async def act(request: Request) -> Response:
    """POST /desk/api/conversations/{ticket}/{action}: JSON {ok, message, warning} or {error}."""
    ticket, action, user = request.path_params["ticket"], request.path_params["action"], request.state.user
    handling = Handling(services(request))
    fields = await _fields(request)
    actions = {
        "claim": lambda: handling.claim(ticket, user),
        "message": lambda: handling.send(ticket, user, fields.get("text", "")),
        "note": lambda: handling.note(ticket, user, fields.get("text", "")),
        "transfer": lambda: handling.transfer(ticket, user, fields.get("to", "")),
        "resolve": lambda: handling.resolve(ticket, user),
        "return": lambda: handling.give_back(ticket, user),
        "summary-rating": lambda: handling.rate_summary(ticket, user, fields.get("value", "")),
    }
    if action not in actions:
        return JSONResponse({"error": "Unknown action."}, status_code=404)
    try:
        done = await actions[action]()
    except DeskError as error:
        return JSONResponse({"error": error.message}, status_code=error.status)
    return JSONResponse({"ok": True, "message": done.message, "warning": done.warning})


routes = [
    Route("/desk/conversations/{ticket}", page),
    Route("/desk/conversations/{ticket}/ticket.txt", ticket_text),
    Route("/desk/api/conversations/{ticket}/{action}", act, methods=["POST"]),
]
