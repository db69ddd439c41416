"""Tells waiting customers their place in line: after every queue change (and every half minute,
since agents coming online change the wait too), each waiting customer whose position or estimated
wait changed gets a `handoff_status`. Runs as a background task of the web app."""

from __future__ import annotations

import asyncio
import logging

from redis.exceptions import RedisError

from desk.customer_chat import CustomerUnreachable, tell
from desk.services import Services
from handoff.eta import eta_minutes
from handoff.presence import online_agents
from handoff.queue import EVENTS_CHANNEL
from handoff.records import Handoff
from infra.redis_client import connect_async
from protocol.widget import HANDOFF_STATUS

log = logging.getLogger("desk.positions")
SENT_KEY = "desk:status_sent"  # hash: ticket -> "position:eta" last told (shared by desk replicas)
PERIOD_SECONDS = 30
RETRY_SECONDS = 5


def _changes(svc: Services) -> tuple[list[tuple[Handoff, dict]], list[str]]:
    """(handoff, status) for each customer to tell, and tickets no longer waiting."""
    waiting = svc.queue.waiting()
    agents = len(online_agents(svc.redis))
    sent = {k.decode(): v.decode() for k, v in svc.redis.hgetall(SENT_KEY).items()}
    changes = []
    for position, handoff in enumerate(waiting, start=1):
        eta = eta_minutes(position, agents, svc.settings.average_handle_minutes)
        if sent.get(handoff.ticket) != f"{position}:{eta}":
            status = {"type": HANDOFF_STATUS, "state": "queued", "position": position,
                      "eta_minutes": eta, "ticket": handoff.ticket}
            changes.append((handoff, status))
    gone = list(set(sent) - {h.ticket for h in waiting})
    return changes, gone


async def push_once(svc: Services) -> int:
    """One round; returns how many customers were told. A customer Rasa can't reach is retried next round."""
    changes, gone = await asyncio.to_thread(_changes, svc)
    if gone:
        await asyncio.to_thread(svc.redis.hdel, SENT_KEY, *gone)
    told = 0
    for handoff, status in changes:
        try:
            await tell(svc.rasa, handoff, [status])
        except CustomerUnreachable as error:
            log.warning("could not tell %s its position: %s", handoff.ticket, error)
            continue
        sent = f"{status['position']}:{status['eta_minutes']}"
        await asyncio.to_thread(svc.redis.hset, SENT_KEY, handoff.ticket, sent)
        told += 1
    return told


async def run_position_pusher(svc: Services) -> None:
    """Forever: a round now, then after each queue event or PERIOD_SECONDS; survives Redis and Rasa outages."""
    while True:
        client = connect_async(svc.settings.redis, socket_timeout=None)
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe(EVENTS_CHANNEL)
            while True:
                await push_once(svc)
                if await pubsub.get_message(ignore_subscribe_messages=True, timeout=PERIOD_SECONDS):
                    while await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.3):
                        pass  # a burst of events is one change
        except (RedisError, OSError) as error:
            log.warning("position updates paused, Redis unreachable: %s", error)
        except Exception:  # a bug must not silently end the updates for good
            log.exception("position updates failed; restarting")
        finally:
            await pubsub.aclose()
            await client.aclose()
        await asyncio.sleep(RETRY_SECONDS)
