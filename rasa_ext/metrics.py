"""The Rasa process's Prometheus metrics, served at /metrics on Rasa's own port (protocol.metrics).

* support_messages_total{channel}: customer messages taken for handling (rest, socketio);
* support_message_failures_total{channel}: those whose handling failed (logged by the channel);
* support_reply_seconds{channel}: from the start of handling a message to its last reply, in this
  process (the action server's share included; a wait behind the same conversation's earlier
  message is not);
* support_redis_up: 1 when this process reached Redis at the scrape, else 0;
* support_held_journals / support_held_journal_bytes: the journals on disk of conversations held
  while Redis was unreachable (rasa_ext.held_journal), this process's and those stopped processes
  left, until they are written back into Redis.

Hooked in by `install()` (rasa_ext.server, before Rasa builds its app) and `handling()` (the
channels). Like the rest of rasa_ext it reads os.environ (METRICS_TOKEN, DATA_DIR), not infra.settings.
"""

from __future__ import annotations

import asyncio
import functools
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from redis.backoff import NoBackoff
from redis.retry import Retry

from protocol.metrics import CHALLENGE, METRICS_PATH, TOKEN_VARIABLE, authorized
from rasa_ext.held_journal import SUFFIX
from rasa_ext.redis_connection import client as redis_client

CHANNELS = ("rest", "socketio")
# Reply times run from ~50 ms (small talk) to seconds (a loaded machine); 30 s is the action timeout.
REPLY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

MESSAGES = Counter("support_messages", "Customer messages taken for handling, by channel", ["channel"])
FAILURES = Counter("support_message_failures", "Customer messages whose handling failed, by channel", ["channel"])
REPLY_SECONDS = Histogram(
    "support_reply_seconds", "Seconds from the start of handling a customer message to its last reply, by channel",
    ["channel"], buckets=REPLY_BUCKETS,
)
for _channel in CHANNELS:  # every series exists from the start, so rates are 0, not absent
    MESSAGES.labels(_channel)
    FAILURES.labels(_channel)
    REPLY_SECONDS.labels(_channel)


@contextmanager
def handling(channel: str) -> Iterator[None]:
    """Count one message of `channel` and time its handling; a failure (an exception) is counted apart."""
    MESSAGES.labels(channel).inc()
    started = time.perf_counter()
    try:
        yield
    except Exception:
        FAILURES.labels(channel).inc()
        raise
    REPLY_SECONDS.labels(channel).observe(time.perf_counter() - started)


class OutageState(Collector):
    """Read at each scrape: whether Redis answers, and the held journals waiting to be written back."""

    def __init__(self, journal_dir: Path, client: redis.Redis) -> None:
        self.journal_dir = journal_dir
        self.client = client

    def collect(self) -> Iterable[GaugeMetricFamily]:
        try:
            up = 1.0 if self.client.ping() else 0.0
        except redis.RedisError:
            up = 0.0
        yield GaugeMetricFamily("support_redis_up", "1 when this process reached Redis at the scrape, else 0", up)
        sizes = []
        for path in self.journal_dir.glob(f"*{SUFFIX}"):  # none (nor the folder) until one is written
            try:
                sizes.append(path.stat().st_size)
            except FileNotFoundError:  # written back and removed meanwhile
                pass
        yield GaugeMetricFamily(
            "support_held_journals",
            "Journals of conversations held while Redis was unreachable, not yet written back (all processes)",
            len(sizes),
        )
        yield GaugeMetricFamily("support_held_journal_bytes", "Bytes in those journals", sum(sizes))


async def serve(request: Any) -> Any:
    """GET /metrics: the metrics in Prometheus's text format, for the bearer of METRICS_TOKEN."""
    from sanic import response

    if not authorized(request.headers.get("authorization"), os.environ.get(TOKEN_VARIABLE, "")):
        return response.text("A bearer token (METRICS_TOKEN) is required.\n", status=401, headers=dict(CHALLENGE))
    # In a thread: the collectors ask Redis and read the disk.
    body = await asyncio.to_thread(generate_latest, REGISTRY)
    return response.raw(body, content_type=CONTENT_TYPE_LATEST)


def install() -> None:
    """Serve /metrics on the app Rasa builds, and collect the outage state. Pinned to Rasa 3.6.x:
    `serve_application` looks `configure_app` up on its module at call time."""
    import rasa.core.run

    from rasa_ext.outage_stores import JOURNAL_DIR

    disable_created_metrics()  # no `_created` series beside every counter and histogram
    # Short timeouts and no retries: a scrape during an outage answers at once.
    probe = redis_client(socket_timeout=1, socket_connect_timeout=1)
    probe.set_retry(Retry(NoBackoff(), 0))
    REGISTRY.register(OutageState(JOURNAL_DIR, probe))
    configure_app = rasa.core.run.configure_app

    @functools.wraps(configure_app)
    def configure_app_with_metrics(*args: Any, **kwargs: Any) -> Any:
        app = configure_app(*args, **kwargs)
        app.add_route(serve, METRICS_PATH, methods=["GET"], name="support_metrics")
        return app

    rasa.core.run.configure_app = configure_app_with_metrics
