"""Logging in (throttled: desk.throttle) and out (the session ends in Redis: desk.sessions)."""

from __future__ import annotations

import asyncio
import math

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.auth import current_session, current_user, guard, log_in, log_out
from desk.csrf import csrf_ok
from desk.pages import render
from desk.roles import home
from desk.services import services
from desk.throttle import too_many
from desk.users import NAME
from handoff.presence import go_offline

FAILED = "Wrong user name or password."  # the same for unknown names: no user enumeration


def _safe_next(target: str) -> str:
    """Only desk paths of this site (no open redirect to //other.example)."""
    return target if target.startswith("/desk") and not target.startswith("//") else ""


def _form(request: Request, next_path: str, error: str = "", status: int = 200) -> Response:
    return render(request, "login.html", {"error": error, "next": _safe_next(next_path)}, status)


def _refused(request: Request, next_path: str, seconds: float) -> Response:
    response = _form(request, next_path, too_many(seconds), 429)
    response.headers["Retry-After"] = str(math.ceil(seconds))
    return response


async def login_page(request: Request) -> Response:
    user = await current_user(request)
    if user:
        return RedirectResponse(home(user.role), status_code=303)
    return _form(request, request.query_params.get("next", ""))


async def login(request: Request) -> Response:
    form = await request.form()
    next_path = str(form.get("next", ""))
    await current_session(request)  # a logged-in browser's form carries its session's token
    if not await csrf_ok(request):
        return _form(request, next_path, "The form expired. Please try again.", 403)
    name, password = str(form.get("name", "")).strip().lower(), str(form.get("password", ""))
    svc = services(request)
    address = request.client.host if request.client else "unknown"
    attempt = await asyncio.to_thread(svc.throttle.attempt, name if NAME.match(name) else None, address)
    if isinstance(attempt, float):
        return _refused(request, next_path, attempt)
    user = await asyncio.to_thread(svc.users.authenticate, name, password)
    if user is None:
        await asyncio.to_thread(svc.throttle.failed, attempt)
        wait = attempt.wait_if_failed()
        return _form(request, next_path, f"{FAILED} {too_many(wait)}" if wait else FAILED, 401)
    await asyncio.to_thread(svc.throttle.succeeded, attempt)
    await log_in(request, user)
    return RedirectResponse(_safe_next(next_path) or home(user.role), status_code=303)


@guard(None)
async def logout(request: Request) -> Response:
    """End the session (a copy of the cookie is worthless too); the agent stops counting as online at once."""
    await asyncio.to_thread(go_offline, services(request).redis, request.state.user.name)
    await log_out(request)
    return RedirectResponse("/desk/login", status_code=303)


routes = [
    Route("/desk/login", login_page, methods=["GET"]),
    Route("/desk/login", login, methods=["POST"]),
    Route("/desk/logout", logout, methods=["POST"]),
]
