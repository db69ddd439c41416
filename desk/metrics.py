"""The desk's Prometheus metrics, served at /metrics on the desk's own port (protocol.metrics).

Counted by this process, when an agent takes a waiting chat for the first time:
* support_handoff_wait_seconds{priority}: how long the customer waited for a person;
* support_handoff_waits_total{priority, target}: within the priority's response target (met) or
  later (missed). Offline tickets (a 24-hour target for a reply) are left out, as in the report.

Read from Redis at each scrape (the same for every desk replica: take one, or the max):
* support_queue_waiting{priority}: chats waiting for a person;
* support_queue_overdue{priority}: of those, the ones past their response target;
* support_queue_oldest_wait_seconds{priority}: how long the first in line of each priority has waited;
* support_offline_tickets: tickets taken while nobody was online, not yet answered;
* support_agents_online: agents whose desk page is open;
* support_redis_up: 1 when this process reached Redis at the scrape, else 0.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

import redis
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from desk.services import Services, services
from handoff.presence import online_agents
from handoff.queue import TICKETS_KEY, HandoffQueue
from handoff.records import PRIORITY_NAMES, Handoff
from infra.metrics import CONTENT_TYPE, RedisUp, app_registry, probe_client, scrape
from protocol.metrics import CHALLENGE, METRICS_PATH, authorized
from reports.waits import is_offline_ticket

# Around the targets (60, 120 and 180 s), then minutes: a missed target is worth seeing by how much.
WAIT_BUCKETS = (15, 30, 60, 90, 120, 180, 300, 600, 1200, 1800, 3600)

WAIT_SECONDS = Histogram(
    "support_handoff_wait_seconds", "Seconds customers waited until a person first took their chat, by priority",
    ["priority"], buckets=WAIT_BUCKETS,
)
WAITS = Counter(
    "support_handoff_waits", "Chats first taken by a person within their response target (met) or later (missed)",
    ["priority", "target"],
)
for _priority in PRIORITY_NAMES.values():  # every series exists from the start, so rates are 0, not absent
    WAIT_SECONDS.labels(_priority)
    for _target in ("met", "missed"):
        WAITS.labels(_priority, _target)


def taken(handoff: Handoff, at: float) -> None:
    """An agent just took `handoff` (as it was before): its wait, if this is the first time a person took it."""
    if handoff.claimed_at or is_offline_ticket(handoff):
        return
    priority = PRIORITY_NAMES[handoff.priority]
    WAIT_SECONDS.labels(priority).observe(at - handoff.created_at)
    WAITS.labels(priority, "met" if at <= handoff.deadline_at else "missed").inc()


class QueueState(Collector):
    """The queue as Redis has it now (nothing when Redis is unreachable: see support_redis_up)."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client  # an infra.metrics.probe_client

    def collect(self) -> Iterable[GaugeMetricFamily]:
        try:
            waiting = HandoffQueue(self.client).waiting()
            tickets = self.client.zcard(TICKETS_KEY)
            agents = len(online_agents(self.client))
        except redis.RedisError:
            return
        now = time.time()
        families = {
            "waiting": GaugeMetricFamily(
                "support_queue_waiting", "Chats waiting for a person, by priority", labels=["priority"]),
            "overdue": GaugeMetricFamily(
                "support_queue_overdue", "Waiting chats past their response target, by priority", labels=["priority"]),
            "oldest": GaugeMetricFamily(
                "support_queue_oldest_wait_seconds", "Seconds the longest-waiting chat of each priority has waited",
                labels=["priority"]),
        }
        for priority, name in PRIORITY_NAMES.items():
            group = [handoff for handoff in waiting if handoff.priority == priority]
            families["waiting"].add_metric([name], len(group))
            families["overdue"].add_metric([name], sum(1 for handoff in group if handoff.deadline_at < now))
            families["oldest"].add_metric([name], max((now - handoff.created_at for handoff in group), default=0))
        yield from families.values()
        yield GaugeMetricFamily("support_offline_tickets",
                                "Tickets taken while nobody was online, not yet answered", tickets)
        yield GaugeMetricFamily("support_agents_online", "Agents whose desk page is open", agents)


async def endpoint(request: Request) -> Response:
    """GET /metrics: the metrics in Prometheus's text format, for the bearer of METRICS_TOKEN."""
    shared = services(request)
    if not authorized(request.headers.get("authorization"), shared.settings.metrics_token):
        return PlainTextResponse("A bearer token (METRICS_TOKEN) is required.\n", 401, headers=dict(CHALLENGE))
    return Response(await asyncio.to_thread(scrape, request.app.state.metrics), media_type=CONTENT_TYPE)


def registry(shared: Services) -> CollectorRegistry:
    """One app's scrape-time collectors (kept as its `app.state.metrics`)."""
    probe = probe_client(shared.settings.redis)
    return app_registry(RedisUp(probe), QueueState(probe))


routes = [Route(METRICS_PATH, endpoint)]
