"""The action server's Prometheus metrics, served at /metrics on its own port (protocol.metrics).

* support_action_seconds{action}: the time this server took for one action call of Rasa's;
* support_kb_outcomes_total{outcome}: customer turns the knowledge base answered (answer), offered
  choices for (clarify) or did not know (dont_know);
* support_handoffs_total{priority, kind}: conversations handed to people, queued for a chat
  (queued) or taken as a ticket (ticket, nobody online or the queue full), or taken into the local
  journal while Redis was down (outage, priority "unknown" until the journal is replayed);
* support_handoff_reasons_total{reason}: the reasons of those handoffs (one can have several);
* support_redis_up: 1 when this process reached Redis at the scrape, else 0;
* support_outage_journal_records: tickets and messages taken while Redis was down, in the outage
  journal (handoff.journal), not yet replayed into Redis;
* support_actions_down_records: what Rasa kept in Redis while the action server was down, not yet
  taken into the journal (absent while Redis is down).
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Iterable
from pathlib import Path

import redis
from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from rasa_sdk.executor import ActionExecutor
from sanic import Request, Sanic, response
from sanic.response import HTTPResponse

from actions.runtime import outage_journal, settings
from conversation.context import TurnResult
from handoff.journal import ACTIONS_DOWN_KEY, is_journal_ticket
from handoff.queue import HandoffQueue
from handoff.records import PRIORITY_NAMES
from infra.metrics import CONTENT_TYPE, RedisUp, app_registry, probe_client, scrape
from protocol.metrics import CHALLENGE, METRICS_PATH, authorized
from protocol.replies import REPLY_KINDS

WEBHOOK = "/webhook"
OTHER_ACTION = "other"  # a call naming no registered action (label values stay bounded)
UNKNOWN_PRIORITY = "unknown"
KINDS = ("queued", "ticket")
# Actions take ~10 ms (small talk) to a second (a KB search on a loaded machine); Rasa gives up at 30 s.
ACTION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

ACTION_SECONDS = Histogram(
    "support_action_seconds", "Seconds the action server took for one action call, by action",
    ["action"], buckets=ACTION_BUCKETS,
)
KB_OUTCOMES = Counter(
    "support_kb_outcomes", "Customer turns the knowledge base answered, clarified or did not know", ["outcome"],
)
HANDOFFS = Counter(
    "support_handoffs", "Conversations handed to people, by priority and kind (queued, ticket, outage)",
    ["priority", "kind"],
)
HANDOFF_REASONS = Counter("support_handoff_reasons", "Reasons of the handoffs (a handoff can have several)", ["reason"])
for _outcome in REPLY_KINDS:  # every series exists from the start, so rates are 0, not absent
    KB_OUTCOMES.labels(_outcome)
for _priority in PRIORITY_NAMES.values():
    for _kind in KINDS:
        HANDOFFS.labels(_priority, _kind)


@functools.lru_cache(maxsize=1)
def probe() -> redis.Redis:
    """This server's client for what metrics read from Redis (infra.metrics.probe_client: 1 s timeouts,
    no retries), so counting a handoff never holds up the reply for long."""
    return probe_client(settings().redis)


async def count_turn(ticket_before: str | None, result: TurnResult) -> None:
    """Count a customer turn's KB outcome, and the handoff it started (a new ticket in the slot).

    A turn of a conversation already waiting for a person keeps its ticket and is not counted again.
    """
    if result.outcome in REPLY_KINDS:
        KB_OUTCOMES.labels(result.outcome).inc()
    ticket = result.slots.get("handoff_ticket")
    if result.outcome != "handoff" or not ticket or ticket == ticket_before:
        return
    if is_journal_ticket(ticket):
        HANDOFFS.labels(UNKNOWN_PRIORITY, "outage").inc()
        return
    try:
        handoff = await asyncio.to_thread(HandoffQueue(probe()).get, ticket)
    except redis.RedisError:
        handoff = None
    if handoff is None:  # gone down (or erased) since the turn wrote it: counted, without its details
        HANDOFFS.labels(UNKNOWN_PRIORITY, "ticket").inc()
        return
    kind = "ticket" if handoff.state == "ticket" else "queued"
    HANDOFFS.labels(PRIORITY_NAMES.get(handoff.priority, UNKNOWN_PRIORITY), kind).inc()
    for reason in {str(reason.get("kind", "")) for reason in handoff.reasons}:
        HANDOFF_REASONS.labels(reason).inc()


class OutageBacklog(Collector):
    """Read at each scrape: what waits to be replayed into Redis."""

    def __init__(self, journal: Path, client: redis.Redis) -> None:
        self.journal = journal
        self.client = client  # an infra.metrics.probe_client

    def collect(self) -> Iterable[GaugeMetricFamily]:
        yield GaugeMetricFamily(
            "support_outage_journal_records",
            "Tickets and messages taken while Redis was down, not yet replayed into Redis",
            journal_records(self.journal),
        )
        try:
            kept = self.client.llen(ACTIONS_DOWN_KEY)
        except redis.RedisError:
            return
        yield GaugeMetricFamily(
            "support_actions_down_records",
            "Records Rasa kept in Redis while the action server was down, not yet taken into the journal", kept,
        )


def journal_records(path: Path) -> int:
    """Records in the outage journal: one a line. Read without its lock, so a scrape never waits for a
    replay; a line being written may be counted a moment early."""
    try:
        with open(path, "rb") as journal:
            return sum(1 for line in journal if line.strip())
    except FileNotFoundError:
        return 0


def install(app: Sanic, executor: ActionExecutor) -> None:
    """Time every action call and serve /metrics on the action server's app."""
    known = set(executor.actions)
    for name in known:
        ACTION_SECONDS.labels(name)
    backlog = app_registry(RedisUp(probe()), OutageBacklog(outage_journal().path, probe()))

    @app.on_request
    async def started(request: Request) -> None:
        request.ctx.started = time.perf_counter()

    @app.on_response
    async def finished(request: Request, _: HTTPResponse) -> None:
        if request.path != WEBHOOK or not hasattr(request.ctx, "started"):
            return
        try:  # parsed (and cached) by the webhook already; a compressed or broken body names no action
            name = request.json.get("next_action")
        except Exception:  # noqa: BLE001
            name = None
        elapsed = time.perf_counter() - request.ctx.started
        ACTION_SECONDS.labels(name if name in known else OTHER_ACTION).observe(elapsed)

    @app.get(METRICS_PATH, name="support_metrics")
    async def metrics(request: Request) -> HTTPResponse:
        """The metrics in Prometheus's text format, for the bearer of METRICS_TOKEN."""
        if not authorized(request.headers.get("authorization"), settings().metrics_token):
            return response.text("A bearer token (METRICS_TOKEN) is required.\n", status=401, headers=dict(CHALLENGE))
        body = await asyncio.to_thread(scrape, backlog)
        return response.raw(body, content_type=CONTENT_TYPE)
