"""Server-Sent Events: the live queue, and one conversation's live transcript and state.

Each stream subscribes to Redis pub/sub (redis.asyncio) and re-reads Redis on every event, so what
a page shows is always what Redis holds; a periodic refresh keeps countdowns and ratings current.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any

from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from desk.auth import guard, while_logged_in
from desk.handling import DeskError, Handling
from desk.services import Services, services
from desk.snapshot import queue_snapshot
from handoff.queue import EVENTS_CHANNEL, conversation_channel
from handoff.records import Handoff
from infra.redis_client import connect_async

REFRESH_SECONDS = 15
REDIS_DOWN = "The desk's database (Redis) can't be reached. Nothing is lost; reconnecting..."


def sse(event: str, data: Any) -> str:
    """One Server-Sent Event."""
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


def _response(request: Request, stream: AsyncGenerator[str, None]) -> Response:
    return StreamingResponse(while_logged_in(request, stream), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


async def _subscribed(svc: Services, channels: list[str],
                      body: Callable[[Any], AsyncIterator[str]]) -> AsyncGenerator[str, None]:
    """Run `body(pubsub)` with a fresh subscription; a Redis failure ends the stream with a
    `problem` event (the page shows it and reconnects)."""
    client = connect_async(svc.settings.redis, socket_timeout=None)
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe(*channels)
        yield "retry: 3000\n\n"
        async for chunk in body(pubsub):
            yield chunk
    except (RedisError, OSError):
        yield sse("problem", {"error": REDIS_DOWN})
    finally:
        await pubsub.aclose()
        await client.aclose()


@guard("desk")
async def queue_events(request: Request) -> Response:
    """`queue` events: the whole snapshot, on every queue change and every REFRESH_SECONDS."""
    svc, user = services(request), request.state.user

    async def body(pubsub: Any) -> AsyncIterator[str]:
        while True:
            yield sse("queue", await asyncio.to_thread(queue_snapshot, svc, user))
            if await pubsub.get_message(ignore_subscribe_messages=True, timeout=REFRESH_SECONDS):
                # Events come in bursts (claim + line): take the rest of the burst before re-reading.
                while await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.2):
                    pass

    return _response(request, _subscribed(svc, [EVENTS_CHANNEL], body))


def handoff_state(handoff: Handoff | None, display: Callable[[str], str]) -> dict[str, Any]:
    """The parts of a handoff that change while its page is open."""
    if handoff is None:
        return {"state": "gone"}
    return {"state": handoff.state, "agent": display(handoff.agent) if handoff.agent else "",
            "audience": handoff.audience, "rating": handoff.rating}


@guard("desk")
async def conversation_events(request: Request) -> Response:
    """`transcript` (all lines) once, then `line` for each new line and `handoff` when its state changes."""
    svc, user, ticket = services(request), request.state.user, request.path_params["ticket"]
    handling = Handling(svc)
    try:
        await handling.load(ticket, user)
    except DeskError as error:
        return JSONResponse({"error": error.message}, status_code=error.status)

    def read() -> tuple[list[str], dict[str, Any]]:
        lines = [json.dumps(line.to_dict()) for line in svc.queue.transcript(ticket)]
        return lines, handoff_state(svc.queue.get(ticket), handling.display)

    async def body(pubsub: Any) -> AsyncIterator[str]:
        lines, state = await asyncio.to_thread(read)
        # Subscribed before reading: a line published in between arrives twice; skip that copy.
        unseen = set(lines)
        yield sse("transcript", [json.loads(raw) for raw in lines])
        yield sse("handoff", state)
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=REFRESH_SECONDS)
            if message and message["channel"].decode() != EVENTS_CHANNEL:
                raw = message["data"].decode()
                if raw in unseen:
                    unseen.discard(raw)
                    continue
                yield sse("line", json.loads(raw))
                continue
            if message and json.loads(message["data"]).get("ticket") != ticket:
                continue
            # This handoff changed, or a refresh (the customer's rating is stored without an event).
            current = await asyncio.to_thread(lambda: handoff_state(svc.queue.get(ticket), handling.display))
            if current != state:
                state = current
                yield sse("handoff", state)
            elif message is None:
                yield ": keepalive\n\n"

    return _response(request, _subscribed(svc, [conversation_channel(ticket), EVENTS_CHANNEL], body))


routes = [
    Route("/desk/events", queue_events),
    Route("/desk/conversations/{ticket}/events", conversation_events),
]
