"""The real stack for end-to-end tests: Redis, action server and Rasa, started as `make run` does."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.e2e.running import RunningStack, started_stack
from bench.clients import Customer

# Browser and desk fixtures, defined once here: a session fixture imported into several test
# modules would be a separate fixture in each (two Playwright instances in one thread fail).
from tests.e2e.browser_fixtures import browser, open_page  # noqa: E402,F401
from tests.e2e.desk_fixtures import socket_customer, stack_redis  # noqa: E402,F401


@pytest.fixture(scope="session")
def running_stack(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The servers, started once per session on free ports, with a Redis database of their own."""
    # Database 1: unit tests flush db 0.
    with started_stack(redis_url.rsplit("/", 1)[0] + "/1", tmp_path_factory.mktemp("stack")) as running:
        yield running


@pytest.fixture
def customer(running_stack: RunningStack) -> Customer:
    """A new customer (own conversation) on the running stack."""
    return Customer(running_stack.rasa_url)
