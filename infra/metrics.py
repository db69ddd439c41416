"""Prometheus in the app's processes (action server, desk): the scrape's body and whether Redis answers.

Event metrics (counters, histograms) are module-level in prometheus_client's default registry, one
set per process. What is read from Redis or the disk at each scrape belongs to one app instance
(tests build several in one process), so each app keeps those collectors in a registry of its own
and the scrape joins the two.
"""

from __future__ import annotations

from collections.abc import Iterable

import redis
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, disable_created_metrics, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from redis.backoff import NoBackoff
from redis.retry import Retry

from infra.redis_client import connect
from infra.settings import RedisSettings

CONTENT_TYPE = CONTENT_TYPE_LATEST
# No `_created` series beside every counter and histogram (prometheus_client reads this at each scrape).
disable_created_metrics()


def probe_client(settings: RedisSettings) -> redis.Redis:
    """A client for what a scrape reads from Redis: 1 s timeouts and no retries, so a scrape during an
    outage answers at once (the next one, seconds later, is the retry)."""
    client = connect(settings, socket_timeout=1, socket_connect_timeout=1)
    client.set_retry(Retry(NoBackoff(), 0))
    return client


class RedisUp(Collector):
    """support_redis_up: 1 when this process reached Redis at the scrape, else 0."""

    def __init__(self, client: redis.Redis) -> None:
        self._client = client  # a probe_client

    def collect(self) -> Iterable[GaugeMetricFamily]:
        try:
            up = 1.0 if self._client.ping() else 0.0
        except redis.RedisError:
            up = 0.0
        yield GaugeMetricFamily("support_redis_up", "1 when this process reached Redis at the scrape, else 0", up)


def app_registry(*collectors: Collector) -> CollectorRegistry:
    """A registry of one app's scrape-time collectors."""
    registry = CollectorRegistry(auto_describe=False)
    for collector in collectors:
        registry.register(collector)
    return registry


def scrape(app: CollectorRegistry) -> bytes:
    """The process's metrics and the app's, in Prometheus's text format. Blocking (the collectors
    ask Redis and read the disk): call it off the event loop."""
    return generate_latest(REGISTRY) + generate_latest(app)
