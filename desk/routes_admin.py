"""The user list (admins): who is online, their sessions, failed logins and locks, and the buttons
that end a user's sessions or lift a lock."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.auth import current_session, guard
from desk.pages import render
from desk.services import services
from desk.users import NAME
from handoff.presence import go_offline, online_agents


def _overview(request: Request) -> dict:
    """What the page shows, read in one go (a worker thread)."""
    svc = services(request)
    people = svc.users.all()
    locks = svc.throttle.locks()
    return {
        "people": people, "online": set(online_agents(svc.redis)),
        "sessions": {p.name: svc.sessions.count(p.name) for p in people},
        "failures": svc.throttle.failures([p.name for p in people]),
        "locked": {s.removeprefix("user:"): left for s, left in locks.items() if s.startswith("user:")},
        "addresses": {s.removeprefix("addr:"): left for s, left in locks.items() if s.startswith("addr:")},
        "recent": svc.throttle.recent(),
    }


@guard("users")
async def users(request: Request) -> Response:
    return render(request, "users.html", await asyncio.to_thread(_overview, request))


def _back() -> Response:
    return RedirectResponse("/desk/users", status_code=303)


@guard("users")
async def end_sessions(request: Request) -> Response:
    """Log a user out everywhere at once (an admin doing it to themselves keeps this session)."""
    name, svc = request.path_params["name"], services(request)
    session = await current_session(request)
    await asyncio.to_thread(svc.sessions.end_all, name, session.id if session and session.user == name else None)
    if name != request.state.user.name:
        await asyncio.to_thread(go_offline, svc.redis, name)
    return _back()


@guard("users")
async def unlock(request: Request) -> Response:
    """Lift the lock of an account (a user's, or a name someone tried) after failed logins."""
    name = request.path_params["name"]
    if not NAME.match(name):
        return render(request, "error.html", {"title": "No such account", "message": "That is not a user name."}, 404)
    await asyncio.to_thread(services(request).throttle.unlock, f"user:{name}", request.state.user.name)
    return _back()


@guard("users")
async def unblock_address(request: Request) -> Response:
    """Lift the lock of a client address after failed logins."""
    address = str((await request.form()).get("address", "")).strip()
    if address:
        await asyncio.to_thread(services(request).throttle.unlock, f"addr:{address}", request.state.user.name)
    return _back()


routes = [
    Route("/desk/users", users),
    Route("/desk/users/unblock-address", unblock_address, methods=["POST"]),
    Route("/desk/users/{name}/end-sessions", end_sessions, methods=["POST"]),
    Route("/desk/users/{name}/unlock", unlock, methods=["POST"]),
]
