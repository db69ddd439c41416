"""The Starlette application: the agent desk, the widget's static files and the demo page."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from redis.exceptions import RedisError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from desk import (
    events,
    metrics,
    routes_admin,
    routes_auth,
    routes_conversation,
    routes_feedback,
    routes_kb,
    routes_notices,
    routes_queue,
)
from desk.auth import session_middleware, wants_json
from desk.demo import demo_page
from desk.pages import render
from desk.positions import run_position_pusher
from desk.services import Services
from infra.settings import REPO_ROOT, Settings, load_settings

WIDGET_DIR = REPO_ROOT / "widget"
# The socket.io client the widget loads, installed from the npm registry (widget/package-lock.json).
SOCKET_IO_CLIENT = WIDGET_DIR / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
DESK_STATIC = Path(__file__).parent / "static"
log = logging.getLogger("desk")


def _problem(request: Request, status: int, message: str) -> Response:
    """A clear message instead of a stack trace: JSON for the desk's scripts, a page for people."""
    if wants_json(request):
        return JSONResponse({"error": message}, status_code=status)
    return render(request, "error.html", {"title": "Something's wrong", "message": message}, status)


async def redis_down(request: Request, error: Exception) -> Response:
    log.warning("Redis unreachable: %s", error)
    return _problem(request, 503, "The desk's database (Redis) can't be reached. Nothing was changed "
                                  "and nothing is lost; try again in a moment.")


async def server_error(request: Request, error: Exception) -> Response:
    log.exception("error serving %s", request.url.path, exc_info=error)
    return _problem(request, 500, "Something went wrong on our side. Nothing was changed; try again.")


def create_app(settings: Settings | None = None) -> Starlette:
    """The whole web app for `settings` (read from the environment when not given)."""
    settings = settings or load_settings()
    shared = Services.create(settings)
    async def socket_io_client(_: Request) -> Response:
        return FileResponse(SOCKET_IO_CLIENT, media_type="text/javascript")

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    demo = demo_page(settings, WIDGET_DIR / "demo")

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # Tells waiting customers their place in line, for as long as the app runs.
        task = asyncio.create_task(run_position_pusher(shared))
        warm = asyncio.create_task(routes_kb.warm_up(shared))
        yield
        for background in (task, warm):
            background.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await background

    routes = [
        Route("/health", health),
        *([Route("/", demo), Route("/demo", demo)] if settings.demo_page else []),
        Route("/widget/vendor/socket.io.min.js", socket_io_client),
        Mount("/widget", StaticFiles(directory=str(WIDGET_DIR / "src")), name="widget"),
        Mount("/desk/static", StaticFiles(directory=str(DESK_STATIC)), name="desk-static"),
        *routes_auth.routes, *routes_queue.routes, *routes_conversation.routes, *events.routes, *routes_admin.routes,
        *routes_kb.routes,
        *routes_notices.routes, *routes_feedback.routes, *metrics.routes,
    ]
    app = Starlette(
        routes=routes, middleware=[session_middleware(settings)], lifespan=lifespan,
        exception_handlers={RedisError: redis_down, Exception: server_error},
    )
    app.state.services = shared
    app.state.metrics = metrics.registry(shared)
    return app
