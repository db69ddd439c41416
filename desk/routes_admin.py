"""Pages outside the queue: the user list (admins) and the knowledge-base page (content owners)."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.auth import guard
from desk.kb_gaps import gap_rows, parse_ids
from desk.pages import render
from desk.services import services
from handoff.presence import online_agents
from kb.gaps import GapLog


@guard("users")
async def users(request: Request) -> Response:
    svc = services(request)
    people, online = await asyncio.gather(asyncio.to_thread(svc.users.all), asyncio.to_thread(online_agents, svc.redis))
    return render(request, "users.html", {"people": people, "online": set(online)})


@guard("kb")
async def kb(request: Request) -> Response:
    """What customers asked that the KB could not answer, grouped by meaning."""
    rows, total = await asyncio.to_thread(gap_rows, services(request).redis)
    return render(request, "kb.html", {"rows": rows, "total": total, "done": request.query_params.get("done")})


@guard("kb")
async def gaps_handled(request: Request) -> Response:
    """A content owner dealt with a group (added or fixed an entry): its questions leave the list."""
    try:
        ids = parse_ids(str((await request.form()).get("ids", "")))
    except ValueError:
        return render(request, "error.html", {"title": "Not understood", "message": "That list of questions was not valid."}, 400)
    removed = await asyncio.to_thread(GapLog(services(request).redis).remove, ids)
    return RedirectResponse(f"/desk/kb?done={removed}", status_code=303)


routes = [
    Route("/desk/users", users),
    Route("/desk/kb", kb),
    Route("/desk/kb/gaps/handled", gaps_handled, methods=["POST"]),
]
