"""Every process's Prometheus metrics: guarded by the token, each documented one exported, and each
moving when its event happens (a KB answer, a handoff taken by an agent, a Redis outage).

On the session's stack; one test walks through the events in order (each scrape reads all three
processes), so the stack's Rasa is started once for all of it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from bench.clients import Customer, DeskApi
from handoff.presence import go_offline, heartbeat
from handoff.queue import HandoffQueue
from handoff.records import PRIORITY_NAMES
from infra.settings import REPO_ROOT, metrics_token
from tests.e2e.desk_fixtures import PASSWORD
from tests.e2e.running import RunningStack
from tests.support import texts, wait_for

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
DASHBOARD = REPO_ROOT / "ops" / "grafana" / "support-assistant.json"
METRIC_NAME = re.compile(r"\bsupport_[a-z0-9_]+")


def urls(stack: RunningStack) -> dict[str, str]:
    return {
        "rasa": f"{stack.rasa_url}/metrics",
        "actions": f"http://localhost:{stack.settings.action_port}/metrics",
        "desk": f"{stack.desk_url}/metrics",
    }


def exposition(url: str, token: str) -> str:
    """One process's metrics, in Prometheus's text format."""
    response = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    response.raise_for_status()
    return response.text


def scrape(url: str, token: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition(url, token))
        for sample in family.samples
    }


class Scraper:
    """Reads every process's metrics; `value(process, name, **labels)` of the last reading."""

    def __init__(self, stack: RunningStack) -> None:
        self.urls = urls(stack)
        self.token = metrics_token(stack.settings)
        self.last: dict[str, Samples] = {}

    def read(self) -> dict[str, Samples]:
        self.last = {process: scrape(url, self.token) for process, url in self.urls.items()}
        return self.last

    def value(self, process: str, name: str, **labels: str) -> float:
        return self.last[process].get((name, frozenset(labels.items())), 0.0)

    def now(self, process: str, name: str, **labels: str) -> float:
        """The value in a fresh reading of one process."""
        self.last[process] = scrape(self.urls[process], self.token)
        return self.value(process, name, **labels)


@pytest.fixture
def scraper(running_stack: RunningStack) -> Scraper:
    return Scraper(running_stack)


@pytest.fixture
def agent_online(running_stack: RunningStack, stack_redis) -> Iterator[str]:
    """Alice online at the desk (and offline again afterwards)."""
    heartbeat(stack_redis, "alice")
    yield "alice"
    go_offline(stack_redis, "alice")


def test_metrics_need_the_token(running_stack: RunningStack):
    for url in urls(running_stack).values():
        assert requests.get(url, timeout=10).status_code == 401
        wrong = requests.get(url, headers={"Authorization": "Bearer not-the-token"}, timeout=10)
        assert wrong.status_code == 401 and "Bearer" in wrong.headers["WWW-Authenticate"]


def test_each_metric_moves_when_its_event_happens(running_stack: RunningStack, redis_server, scraper: Scraper,
                                                   agent_online: str, socket_customer):
    before = scraper.read()

    def grew(process: str, name: str, by: float = 1, **labels: str) -> None:
        was = before[process].get((name, frozenset(labels.items())), 0.0)
        assert scraper.value(process, name, **labels) == pytest.approx(was + by), (process, name, labels)

    # A question the knowledge base answers, asked through the widget's channel.
    widget = socket_customer()
    widget.say("How long does a refund take?")
    widget.wait_for(lambda message: "refund" in message.get("text", "").lower())
    # A request for a person, over REST, queued while an agent is online.
    asking = Customer(running_stack.rasa_url)
    asking.say("I want a human")
    client = running_stack.redis()
    handoff = HandoffQueue(client).open_for(asking.sender)
    assert handoff is not None and handoff.state == "queued"
    priority = PRIORITY_NAMES[handoff.priority]
    scraper.read()
    for channel in ("socketio", "rest"):
        grew("rasa", "support_messages_total", channel=channel)
        grew("rasa", "support_reply_seconds_count", channel=channel)
        assert scraper.value("rasa", "support_reply_seconds_sum", channel=channel) > 0
    grew("actions", "support_kb_outcomes_total", outcome="answer")
    grew("actions", "support_handoffs_total", priority=priority, kind="queued")
    grew("actions", "support_handoff_reasons_total", reason="human_request")
    assert scraper.value("actions", "support_action_seconds_count", action="action_kb_answer") > (
        before["actions"].get(("support_action_seconds_count", frozenset({("action", "action_kb_answer")})), 0))
    assert scraper.value("desk", "support_queue_waiting", priority=priority) >= 1
    assert scraper.value("desk", "support_agents_online") >= 1
    assert scraper.value("desk", "support_queue_oldest_wait_seconds", priority=priority) > 0
    for process in ("rasa", "actions", "desk"):
        assert scraper.value(process, "support_redis_up") == 1
        assert scraper.value(process, "process_resident_memory_bytes") > 0

    # The agent takes the chat: its wait is counted against its target, and it leaves the queue.
    agent = DeskApi(running_stack.desk_url, agent_online, PASSWORD)
    assert agent.act(handoff.ticket, "claim").status_code == 200
    scraper.read()
    grew("desk", "support_handoff_wait_seconds_count", priority=priority)
    grew("desk", "support_handoff_waits_total", priority=priority, target="met")
    assert scraper.value("desk", "support_queue_waiting", priority=priority) == (
        before["desk"].get(("support_queue_waiting", frozenset({("priority", priority)})), 0))
    assert agent.act(handoff.ticket, "resolve").status_code == 200

    # Redis goes down: every process says so; Rasa holds the conversation in its journal, the action
    # server takes the request for a person into the outage journal.
    redis_server.stop()
    try:
        during = Customer(running_stack.rasa_url)
        ticket = re.search(r"TX[A-Z0-9]+", texts(during.say("I want a human")))
        assert ticket is not None
        scraper.read()
        for process in ("rasa", "actions", "desk"):
            assert scraper.value(process, "support_redis_up") == 0, process
        assert scraper.value("rasa", "support_held_journals") >= 1
        assert scraper.value("rasa", "support_held_journal_bytes") > 0
        assert scraper.value("actions", "support_outage_journal_records") >= 1
        grew("actions", "support_handoffs_total", priority="unknown", kind="outage")
        assert ("support_queue_waiting", frozenset({("priority", priority)})) not in scraper.last["desk"]
    finally:
        redis_server.start()
    # Back: the journals are written into Redis and the backlogs drop to nothing.
    wait_for(lambda: scraper.now("rasa", "support_held_journals") == 0, "Rasa's held journal written back", 15)
    wait_for(lambda: scraper.now("actions", "support_outage_journal_records") == 0, "outage journal replayed", 15)
    assert scraper.last["actions"][("support_actions_down_records", frozenset())] == 0
    assert scraper.now("desk", "support_redis_up") == 1
    HandoffQueue(client).close(ticket.group(0), "resolved")


def base(name: str) -> str:
    """A series' metric name: a counter's without `_total`, a histogram's without its sample suffix."""
    return re.sub(r"_(bucket|sum|count|total)$", "", name)


def documented_names() -> set[str]:
    """The metrics the README's Metrics section and the sample dashboard name."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Metrics\n(.*?)(?=^## |\Z)", readme, re.M | re.S)
    assert section, "README.md has no '## Metrics' section"
    expressions = [target["expr"] for panel in json.loads(DASHBOARD.read_text(encoding="utf-8"))["panels"]
                   for target in panel.get("targets", [])]
    return {base(name) for name in METRIC_NAME.findall(section.group(1) + " ".join(expressions))}


def test_every_documented_and_dashboard_metric_is_exported(scraper: Scraper):
    documented = documented_names()
    exported = {  # families, with their HELP and TYPE even before their first sample
        family.name for url in scraper.urls.values()
        for family in text_string_to_metric_families(exposition(url, scraper.token))
        if family.name.startswith("support_")
    }
    assert documented - exported == set(), "named in the README or the dashboard, but not exported"
    assert exported - documented == set(), "exported, but named neither in the README nor on the dashboard"
