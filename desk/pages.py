"""Rendering desk pages: Jinja2 with autoescaping, and what every page needs (user, CSRF token)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from desk.csrf import csrf_token
from desk.roles import allowed


def _page_context(request: Request) -> dict[str, Any]:
    user = getattr(request.state, "user", None)
    return {
        "user": user, "csrf": csrf_token(request),
        "can": lambda permission: user is not None and allowed(user.role, permission),
    }


# select_autoescape (Starlette's default) escapes everything in .html templates: customer text stays text.
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"), context_processors=[_page_context])


def clock(timestamp: float) -> str:
    """A moment as the desk shows it: day, month and time (server time)."""
    return time.strftime("%d %b %Y %H:%M", time.localtime(timestamp))


def duration(seconds: float | None) -> str:
    """A wait as the desk shows it: "45 s", "3 min 20 s", "2 h 05 min"; "–" for none."""
    if seconds is None:
        return "–"
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


templates.env.filters["clock"] = clock
templates.env.filters["duration"] = duration
# Scripts and styles only from the desk itself: even a tag that slipped through could not run.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",  # pages show customer data
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
}


def render(request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200) -> Response:
    """A desk page with the security headers."""
    response = templates.TemplateResponse(request, name, context or {}, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response
