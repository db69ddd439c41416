"""infra/metrics.py: whether Redis answers, and one scrape joining the process's metrics and an app's."""

from __future__ import annotations

from prometheus_client import Counter

from bench.clients import free_port
from infra.metrics import RedisUp, app_registry, probe_client, scrape
from infra.settings import RedisSettings

EVENTS = Counter("test_scrape_events", "Events of this test, counted in the process's registry")


def test_redis_up_is_1_while_redis_answers_and_0_when_it_does_not(redis_url: str):
    def up(collector: RedisUp) -> float:
        return next(iter(collector.collect())).samples[0].value

    assert up(RedisUp(probe_client(RedisSettings(redis_url)))) == 1
    assert up(RedisUp(probe_client(RedisSettings(f"redis://localhost:{free_port()}/0")))) == 0


def test_a_scrape_has_the_process_metrics_and_the_apps_without_created_series(redis_url: str):
    EVENTS.inc()
    body = scrape(app_registry(RedisUp(probe_client(RedisSettings(redis_url))))).decode()
    assert "support_redis_up 1.0" in body
    assert "test_scrape_events_total 1.0" in body and "process_resident_memory_bytes" in body
    assert "_created" not in body
