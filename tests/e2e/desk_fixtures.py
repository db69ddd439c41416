"""Drivers for the agent desk's end-to-end tests: a customer on Rasa's socket.io channel, desk users,
logging in through the browser, and the desk's HTTP API as a second agent would call it.

Import what a test module needs; pytest picks the fixtures up from the module's namespace.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from typing import Any, Callable, Iterator

import pytest
import redis
import requests
import socketio
from playwright.sync_api import Page

from bench.clients import DeskApi
from desk.roles import allowed, home
from desk.users import UserStore
from handoff.presence import online_agents
from infra.redis_client import connect
from tests.e2e.running import RunningStack

PASSWORD = "e2e desk password"
USERS = {"alice": ("Alice", "agent"), "bob": ("Bob", "agent"), "sue": ("Sue", "supervisor"),
         "carl": ("Carl", "content_owner"), "pat": ("Pat", "agent")}
SKILLS = {"pat": ("general", "payments")}  # KB categories


@pytest.fixture
def stack_redis(running_stack: RunningStack) -> redis.Redis:
    """The stack's Redis, with the desk's users (agents, a supervisor, a content owner; password PASSWORD)."""
    client = connect(running_stack.settings.redis)
    store = UserStore(client)
    for name, (display, role) in USERS.items():
        if store.get(name) is None:
            store.create(name, PASSWORD, role, display, SKILLS.get(name, ()))
    return client


class SocketCustomer:
    """A customer on the socket.io channel, as the widget connects: every bot_uttered is collected."""

    def __init__(self, rasa_url: str) -> None:
        self.session_id = uuid.uuid4().hex
        self.received: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        self._client = socketio.Client(reconnection=False)
        self._client.on("bot_uttered", self._receive)
        self._client.on("session_confirm", lambda *_: self._receive({"session_confirm": True}))
        self._client.connect(rasa_url, socketio_path="/socket.io", transports=["websocket"], wait_timeout=30)
        self._client.emit("session_request", {"session_id": self.session_id})
        self.wait_for(lambda m: m.get("session_confirm"))

    def _receive(self, message: Any) -> None:
        with self._changed:
            self.received.append(message if isinstance(message, dict) else {"raw": message})
            self._changed.notify_all()

    def say(self, text: str) -> None:
        self._client.emit("user_uttered", {"message": text, "session_id": self.session_id})

    def wait_for(self, match: Callable[[dict[str, Any]], bool], timeout: float = 60.0) -> dict[str, Any]:
        """The first message received (so far or within `timeout`) for which `match` is true."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = next((m for m in self.received if match(m)), None)
                if found is not None:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"nothing matching arrived; received: {self.received[-8:]}")
                self._changed.wait(left)

    def wait_for_payload(self, kind: str, **fields: Any) -> dict[str, Any]:
        """The first custom payload of `kind` (agent_joined, agent_message, ...) with these fields."""
        return self.wait_for(lambda m: m.get("type") == kind and all(m.get(k) == v for k, v in fields.items()))

    def close(self) -> None:
        self._client.disconnect()


@pytest.fixture
def socket_customer(running_stack: RunningStack) -> Iterator[Callable[[], SocketCustomer]]:
    """`socket_customer()`: a new customer connected over socket.io (disconnected after the test)."""
    made: list[SocketCustomer] = []

    def make() -> SocketCustomer:
        made.append(SocketCustomer(running_stack.rasa_url))
        return made[-1]

    yield make
    for customer in made:
        customer.close()


def log_in(page: Page, desk_url: str, name: str, client: redis.Redis) -> None:
    """Log in through the desk's form; an agent's page is waited on until its heartbeat made them online."""
    page.goto(f"{desk_url}/desk")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button[type=submit]")
    role = USERS[name][1]
    page.wait_for_url(f"{desk_url}{home(role)}")
    if not allowed(role, "desk"):
        return
    deadline = time.monotonic() + 10
    while name not in online_agents(client):
        assert time.monotonic() < deadline, f"{name} never came online"
        time.sleep(0.2)


def desk_api(desk_url: str, name: str) -> DeskApi:
    """The desk's HTTP API logged in as one of the test users."""
    return DeskApi(desk_url, name, PASSWORD)
