"""CSRF tokens: one per session, required on every state-changing POST.

A logged-in session's token lives with it in Redis (`request.state.session`, loaded by
desk.auth.current_session); before login, the login form's token lives in the signed cookie.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request

CSRF_HEADER = "x-csrf-token"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _session_token(request: Request) -> str | None:
    session = getattr(request.state, "session", None)
    return session.csrf if session is not None else None


def csrf_token(request: Request) -> str:
    """The session's CSRF token (before login: the cookie's, created on first use)."""
    if token := _session_token(request):
        return token
    if "csrf" not in request.session:
        request.session["csrf"] = secrets.token_urlsafe(32)
    return request.session["csrf"]


async def csrf_ok(request: Request) -> bool:
    """True if the request carries the session's token (header for fetch, `csrf` field for forms)."""
    expected = _session_token(request) or request.session.get("csrf")
    given: object = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(FORM_TYPES):
        given = (await request.form()).get("csrf")  # a file upload named csrf is refused below
    if not expected or not isinstance(given, str):
        return False
    return hmac.compare_digest(given, expected)
