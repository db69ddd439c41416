"""The queue page, its data as JSON, and the heartbeat that keeps an agent online."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from desk.auth import guard
from desk.pages import render
from desk.roles import allowed, home
from desk.services import services
from desk.snapshot import queue_snapshot
from handoff.presence import heartbeat as mark_online
from notices.board import NoticeBoard


@guard(None)
async def start(request: Request) -> Response:
    """/desk: the queue, or the user's own start page when their role has no queue."""
    user = request.state.user
    if not allowed(user.role, "desk"):
        return RedirectResponse(home(user.role), status_code=303)
    # The service notices customers hear now, so agents know what customers were told.
    notices = await asyncio.to_thread(NoticeBoard(services(request).redis).active)
    return render(request, "queue.html", {"notices": notices})


@guard("desk")
async def queue_data(request: Request) -> Response:
    """The same data the live page gets, for scripts and tests."""
    return JSONResponse(await asyncio.to_thread(queue_snapshot, services(request), request.state.user))


@guard("desk")
async def heartbeat(request: Request) -> Response:
    """Sent every ~15 s by every open desk page: the agent counts as online (can get handoffs)."""
    await asyncio.to_thread(mark_online, services(request).redis, request.state.user.name)
    return JSONResponse({"ok": True})


routes = [
    Route("/desk", start),
    Route("/desk/api/queue", queue_data),
    Route("/desk/api/heartbeat", heartbeat, methods=["POST"]),
]
