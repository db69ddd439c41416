"""Sessions and the guard every desk page and API goes through (login, role, CSRF).

The session cookie is Starlette's signed cookie, but once logged in it holds only the session's id:
whose session it is and its CSRF token live in Redis (desk.sessions), so ending it there ends it
at once, for every desk replica. Before login it holds the login form's CSRF token alone.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable

from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from desk.csrf import csrf_ok
from desk.pages import render
from desk.roles import Permission, allowed
from desk.services import services
from desk.sessions import SESSION_SECONDS, Session
from desk.users import User
from infra.settings import Settings, local_secret

Endpoint = Callable[[Request], Awaitable[Response]]
SESSION_ID = "sid"  # the cookie's one field once logged in


def session_secret(settings: Settings) -> str:
    """The key that signs session cookies (so a session id or login token can't be planted in one):
    generated once into the data folder, readable only by us."""
    return local_secret(settings, "desk_secret")


def session_middleware(settings: Settings) -> Middleware:
    """Signed session cookies; SameSite=strict keeps other sites' requests from carrying them."""
    return Middleware(
        SessionMiddleware, secret_key=session_secret(settings), session_cookie="desk_session",
        max_age=SESSION_SECONDS, same_site="strict",
        # Secure cookies only when served over TLS (plain http on localhost would drop them).
        https_only=settings.public_rasa_url.startswith("https://"),
    )


async def current_session(request: Request) -> Session | None:
    """The request's live session, read from Redis once per request (kept in `request.state.session`,
    where desk.csrf finds its token). A cookie whose session was ended goes back to logged out."""
    if hasattr(request.state, "session"):
        return request.state.session
    session_id = request.session.get(SESSION_ID)
    session = None
    if isinstance(session_id, str):
        session = await asyncio.to_thread(services(request).sessions.get, session_id)
    if session is None:
        request.session.pop(SESSION_ID, None)
    request.state.session = session
    return session


async def log_in(request: Request, user: User) -> None:
    """Start a fresh session for `user`: a new id and CSRF token (any session this browser had ends)."""
    await log_out(request)
    session = await asyncio.to_thread(services(request).sessions.start, user.name)
    request.session.clear()
    request.session[SESSION_ID] = session.id
    request.state.session = session


async def log_out(request: Request) -> None:
    """End this browser's session, in Redis: the cookie is worthless from now on, even replayed."""
    session = await current_session(request)
    if session is not None:
        await asyncio.to_thread(services(request).sessions.end, session)
    request.session.clear()
    request.state.session = None


async def while_logged_in(request: Request, stream: AsyncGenerator[str, None]) -> AsyncIterator[str]:
    """`stream` (an open event stream of a guarded route), ended before its next chunk once the
    request's session has ended: logging out or an admin's End sessions stops what it shows too."""
    session, sessions = request.state.session, services(request).sessions
    try:
        async for chunk in stream:
            if await asyncio.to_thread(sessions.get, session.id) is None:
                return
            yield chunk
    finally:
        await stream.aclose()


def wants_json(request: Request) -> bool:
    """API calls and event streams get JSON errors; pages get redirects and HTML."""
    path = request.url.path
    return path.startswith("/desk/api/") or path.endswith("/events")


def deny(request: Request, status: int, message: str) -> Response:
    """A 401/403 as JSON for APIs, or as a page (401: the login page) for people."""
    if wants_json(request):
        return JSONResponse({"error": message}, status_code=status)
    if status == 401:
        return RedirectResponse(f"/desk/login?next={request.url.path}", status_code=303)
    return render(request, "error.html", {"title": "Not allowed", "message": message}, status)


async def current_user(request: Request) -> User | None:
    """The logged-in user, read again from Redis so a removed user is out at once."""
    session = await current_session(request)
    return await asyncio.to_thread(services(request).users.get, session.user) if session else None


def guard(permission: Permission | None) -> Callable[[Endpoint], Endpoint]:
    """Login required, `permission` too (None: any role), and a CSRF token on every POST."""
    def wrap(handler: Endpoint) -> Endpoint:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            user = await current_user(request)
            if user is None:
                return deny(request, 401, "Please log in.")
            if permission and not allowed(user.role, permission):
                return deny(request, 403, "Your role doesn't give you access to this.")
            if request.method == "POST" and not await csrf_ok(request):
                return deny(request, 403, "The form expired. Reload the page and try again.")
            request.state.user = user
            return await handler(request)
        return endpoint
    return wrap
