"""Logging in and changing one's password (both throttled: desk.throttle), and logging out (the
session ends in Redis: desk.sessions)."""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.auth import current_session, current_user, guard, log_in, log_out
from desk.csrf import csrf_ok
from desk.pages import render
from desk.roles import home
from desk.services import services
from desk.throttle import client_address, too_many
from desk.users import MIN_PASSWORD_CHARS, NAME, User
from handoff.presence import go_offline

FAILED = "Wrong user name or password."  # the same for unknown names: no user enumeration


@dataclass(frozen=True)
class Verdict:
    """A password check: the user, or what to tell the person (and for how long they are held back)."""

    user: User | None
    message: str = ""
    retry_after: int = 0  # > 0: not even checked, too many failures

    def page(self, request: Request, template: str, context: dict) -> Response:
        """`template` telling why the check failed (429 with Retry-After while held back, else 401)."""
        response = render(request, template, {**context, "error": self.message}, 429 if self.retry_after else 401)
        if self.retry_after:
            response.headers["Retry-After"] = str(self.retry_after)
        return response


async def verify(request: Request, name: str, password: str, wrong: str = FAILED) -> Verdict:
    """Check `name`'s password, counted against the name and the client's address (desk.throttle)."""
    svc = services(request)
    address = client_address(request.client.host) if request.client else "unknown"
    attempt = await asyncio.to_thread(svc.throttle.attempt, name if NAME.match(name) else None, address)
    if isinstance(attempt, float):
        return Verdict(None, too_many(attempt), math.ceil(attempt))
    user = await asyncio.to_thread(svc.users.authenticate, name, password)
    if user is None:
        await asyncio.to_thread(svc.throttle.failed, attempt)
        wait = attempt.wait_if_failed()
        return Verdict(None, f"{wrong} {too_many(wait)}" if wait else wrong)
    await asyncio.to_thread(svc.throttle.succeeded, attempt)
    return Verdict(user)


def _safe_next(target: str) -> str:
    """Only desk paths of this site (no open redirect to //other.example)."""
    return target if target.startswith("/desk") and not target.startswith("//") else ""


def _form(request: Request, next_path: str, error: str = "", status: int = 200) -> Response:
    return render(request, "login.html", {"error": error, "next": _safe_next(next_path)}, status)


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
    verdict = await verify(request, name, password)
    if verdict.user is None:
        return verdict.page(request, "login.html", {"next": _safe_next(next_path)})
    await log_in(request, verdict.user)
    return RedirectResponse(_safe_next(next_path) or home(verdict.user.role), status_code=303)


@guard(None)
async def logout(request: Request) -> Response:
    """End the session (a copy of the cookie is worthless too); the agent stops counting as online at once."""
    await asyncio.to_thread(go_offline, services(request).redis, request.state.user.name)
    await log_out(request)
    return RedirectResponse("/desk/login", status_code=303)


def _password_form(request: Request, status: int = 200, **context: str) -> Response:
    return render(request, "password.html", {"min_chars": MIN_PASSWORD_CHARS, **context}, status)


@guard(None)
async def password_page(request: Request) -> Response:
    return _password_form(request)


@guard(None)
async def change_password(request: Request) -> Response:
    """A new password, given the current one; every other session of the user ends."""
    form = await request.form()
    name = request.state.user.name
    new = str(form.get("new", ""))
    if new != str(form.get("again", "")):
        return _password_form(request, 400, error="The new passwords differ.")
    verdict = await verify(request, name, str(form.get("current", "")), wrong="The current password is wrong.")
    if verdict.user is None:
        return verdict.page(request, "password.html", {"min_chars": MIN_PASSWORD_CHARS})
    session = await current_session(request)
    try:
        await asyncio.to_thread(services(request).users.set_password, name, new, session.id if session else None)
    except ValueError as error:
        return _password_form(request, 400, error=f"Not changed: {error}.")
    return _password_form(request, done="Your password is changed; your other sessions are ended.")


routes = [
    Route("/desk/login", login_page, methods=["GET"]),
    Route("/desk/login", login, methods=["POST"]),
    Route("/desk/logout", logout, methods=["POST"]),
    Route("/desk/password", password_page, methods=["GET"]),
    Route("/desk/password", change_password, methods=["POST"]),
]
