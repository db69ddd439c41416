"""Desk fixtures: the app on the session's real Redis, users of every role, a stand-in for Rasa."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import redis
from starlette.testclient import TestClient

from desk.app import create_app
from desk.services import Services
from desk.users import UserStore
from handoff.queue import HandoffQueue
from handoff.records import Handoff, Line
from handoff.summary import Summary
from infra.rasa_client import RasaError
from infra.settings import Settings, load_settings
from bench.clients import free_port

PASSWORD = "correct horse battery"
ROLE_USERS = {"alice": "agent", "bob": "agent", "sue": "supervisor", "carl": "content_owner", "ada": "admin"}


class FakeRasa:
    """Records what the desk sends to customers; `down` makes every call fail like an unreachable Rasa."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, list[dict[str, Any]], str]] = []
        self.down = False

    async def append_events(self, sender_id: str, events: list[dict[str, Any]], channel: str = "") -> None:
        if self.down:
            raise RasaError("connection refused")
        self.sent.append((sender_id, events, channel))

    def payloads(self, sender_id: str) -> list[dict[str, Any]]:
        """The widget payloads sent to `sender_id`, in order."""
        return [e["data"]["custom"]["data"] for s, events, _ in self.sent if s == sender_id
                for e in events if e["event"] == "bot"]

    def slots(self, sender_id: str) -> list[tuple[str, Any]]:
        return [(e["name"], e["value"]) for s, events, _ in self.sent if s == sender_id
                for e in events if e["event"] == "slot"]


@pytest.fixture
def settings(redis_url: str, redis_client: redis.Redis, tmp_path: Path) -> Settings:
    """Settings on the test Redis (flushed), with Rasa on a port where nothing listens."""
    return load_settings({"REDIS_URL": redis_url, "DATA_DIR": str(tmp_path), "RASA_PORT": str(free_port()),
                          "RASA_TOKEN": "test-token"})


@pytest.fixture
def app(settings: Settings, redis_client: redis.Redis):
    """The web app with one user per role (password PASSWORD) and a FakeRasa."""
    store = UserStore(redis_client)
    for name, role in ROLE_USERS.items():
        store.create(name, PASSWORD, role, display_name=name.capitalize())
    application = create_app(settings)
    application.state.services.rasa = FakeRasa()
    return application


@pytest.fixture
def svc(app) -> Services:
    return app.state.services


@pytest.fixture
def rasa(svc: Services) -> FakeRasa:
    return svc.rasa  # type: ignore[return-value]


def log_in(client: TestClient, name: str, password: str = PASSWORD) -> TestClient:
    """Log `client` in as `name` through the login form; sets the X-CSRF-Token header for later calls."""
    page = client.get("/desk/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    response = client.post("/desk/login", data={"name": name, "password": password, "csrf": token},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    page = client.get(response.headers["location"])
    client.headers["X-CSRF-Token"] = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
    return client


@pytest.fixture
def client_for(app) -> Iterator[Callable[[str], TestClient]]:
    """`client_for("alice")`: a logged-in client (own cookies) for that user."""
    clients: list[TestClient] = []

    def make(name: str) -> TestClient:
        client = TestClient(app, base_url="http://localhost")
        clients.append(client)
        return log_in(client, name)

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def make_handoff(svc: Services) -> Callable[..., Handoff]:
    """`make_handoff(sender, **fields)`: a queued handoff (or an offline ticket with as_ticket=True)."""
    def make(sender: str = "cust-1", as_ticket: bool = False, text: str = "I want a human", **fields: Any) -> Handoff:
        base: dict[str, Any] = dict(
            sender_id=sender, channel="socketio", customer={"email": f"{sender}@example.com"}, priority=0,
            reasons=[{"kind": "human_request", "detail": "asks for a person", "quote": text}],
            summary=Summary.from_dict({
                "who": {"name": "", "email": f"{sender}@example.com", "customer_id": "", "earlier_contacts": 0},
                "issue": f'Customer asking: "{text}"', "category": "general / enquiry", "facts": {},
                "tried": [], "reasons": [], "trend": [], "suggested": [], "earlier": [], "text": text}),
        )
        base.update(fields)
        return HandoffQueue(svc.redis).create([Line("customer", text)], as_ticket=as_ticket, **base)
    return make
