"""The desk's metrics (desk/metrics.py): the token guard, the queue read at each scrape, and waits
counted against their targets when an agent first takes a chat."""

from __future__ import annotations

import dataclasses
import time

from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from desk import metrics
from desk.app import create_app
from handoff.presence import heartbeat
from handoff.records import PRIORITY_HIGH, PRIORITY_NORMAL

TOKEN = "metrics-test-token"


def test_without_a_token_configured_nothing_is_served(app):
    with TestClient(app) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 401


def test_the_queue_is_read_at_each_scrape(settings, svc, make_handoff):
    make_handoff("calm")
    make_handoff("upset", priority=PRIORITY_HIGH, created_at=time.time() - 90)  # past its 1-minute target
    make_handoff("offline", as_ticket=True)
    heartbeat(svc.redis, "alice")
    app = create_app(dataclasses.replace(settings, metrics_token=TOKEN))
    with TestClient(app) as client:
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    samples = {(s.name, tuple(s.labels.values())): s.value
               for family in text_string_to_metric_families(response.text) for s in family.samples}
    assert samples[("support_queue_waiting", ("normal",))] == 1
    assert samples[("support_queue_waiting", ("high",))] == 1
    assert samples[("support_queue_waiting", ("legal",))] == 0
    assert samples[("support_queue_overdue", ("high",))] == 1
    assert samples[("support_queue_overdue", ("normal",))] == 0
    assert samples[("support_queue_oldest_wait_seconds", ("high",))] >= 90
    assert samples[("support_offline_tickets", ())] == 1
    assert samples[("support_agents_online", ())] == 1
    assert samples[("support_redis_up", ())] == 1


def test_a_wait_is_counted_the_first_time_a_person_takes_the_chat(make_handoff):
    def counted(target: str) -> float:
        return REGISTRY.get_sample_value("support_handoff_waits_total", {"priority": "normal", "target": target}) or 0

    def observed() -> float:
        return REGISTRY.get_sample_value("support_handoff_wait_seconds_count", {"priority": "normal"}) or 0

    before = counted("met"), counted("missed"), observed()
    now = time.time()
    quick = make_handoff("quick", priority=PRIORITY_NORMAL, created_at=now - 30)
    metrics.taken(quick, now)
    metrics.taken(make_handoff("slow", created_at=now - 600), now)
    metrics.taken(dataclasses.replace(quick, claimed_at=now), now + 5)  # taken again after a requeue
    metrics.taken(make_handoff("offline", as_ticket=True), now)  # a ticket: its target is a day's
    assert (counted("met"), counted("missed"), observed()) == (before[0] + 1, before[1] + 1, before[2] + 2)
