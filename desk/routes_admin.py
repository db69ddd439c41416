"""The user list (admins)."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from desk.auth import guard
from desk.pages import render
from desk.services import services
from handoff.presence import online_agents


@guard("users")
async def users(request: Request) -> Response:
    svc = services(request)
    people, online = await asyncio.gather(asyncio.to_thread(svc.users.all), asyncio.to_thread(online_agents, svc.redis))
    return render(request, "users.html", {"people": people, "online": set(online)})


routes = [
    Route("/desk/users", users),
]
