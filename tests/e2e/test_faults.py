"""Faults under the stack as `make run` starts it: supervised services, its own Redis, a generated token.

One stack for the module (each Rasa start costs about a minute of CPU): the token check and the
action-server outage first, then every service is killed in turn, ending with Rasa's restart.
"""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path
from typing import Iterator

import pytest
import requests
from redis.exceptions import RedisError

from bench.stack import bench_stack
from handoff.presence import heartbeat
from handoff.queue import HandoffQueue
from infra.redis_client import connect
from infra.settings import rasa_token
from launcher.stack import Stack
from bench.clients import Customer
from tests.support import texts, wait_for

SERVICES = ("actions", "redis", "desk", "rasa")  # the order they are killed in (Rasa last: its restart is slow)
ACTIONS_DOWN_KEY = "handoff:actions_down"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The whole stack, supervised, with a local Redis, on free ports, as `make run` starts it."""
    with bench_stack(keep_in=tmp_path_factory.mktemp("faults")) as started:
        yield started


def redis_answers(stack: Stack) -> bool:
    """True once the stack's Redis takes commands (a restarted one refuses connections at first)."""
    try:
        return bool(connect(stack.settings.redis).ping())
    except RedisError:
        return False


def health_url(stack: Stack, name: str) -> str:
    return {
        "rasa": f"{stack.rasa_url}/", "desk": f"{stack.desk_url}/health",
        "actions": f"http://localhost:{stack.settings.action_port}/health",
    }[name]


def tracker_texts(stack: Stack, sender: str) -> list[str]:
    response = requests.get(
        f"{stack.rasa_url}/conversations/{sender}/tracker", params={"token": rasa_token(stack.settings)}, timeout=30,
    )
    response.raise_for_status()
    return [e["text"] for e in response.json()["events"] if e["event"] == "user"]


def say_until_accepted(customer: Customer, text: str, timeout: float = 240.0) -> list[dict]:
    """Send as the widget does: retry while Rasa is unreachable, until it answers."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return customer.say(text)
        except (requests.ConnectionError, requests.HTTPError):
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def test_the_rasa_token_is_on_no_command_line_and_still_guards_the_api(stack: Stack):
    token = rasa_token(stack.settings)
    pids = [stack.pid(name) for name in SERVICES] + [stack.supervisor.rpc().getPID()]
    for pid in pids:
        assert token not in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    assert token not in stack.supervisor.config.read_text()
    url = f"{stack.rasa_url}/conversations/nobody/tracker"
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, params={"token": "wrong"}, timeout=10).status_code == 401
    assert requests.get(url, params={"token": token}, timeout=10).status_code == 200


def test_the_processes_holding_the_kb_index_run_with_few_malloc_arenas(stack: Stack):
    for name in ("actions", "desk"):  # launcher.stack.KB_MEMORY
        assert b"MALLOC_ARENA_MAX=2" in Path(f"/proc/{stack.pid(name)}/environ").read_bytes().split(b"\0"), name


def test_a_request_for_a_person_while_the_action_server_is_down_becomes_a_ticket(stack: Stack):
    client = connect(stack.settings.redis)
    queue = HandoffQueue(client)
    heartbeat(client, "fault-agent")  # someone online: a request made now queues
    waiting = Customer(stack.rasa_url)
    waiting.say("/request_human")
    waiting_on = queue.open_for(waiting.sender).ticket
    customer = Customer(stack.rasa_url)
    customer.say("How long does a refund take?")
    stack.stop_actions()
    try:
        # A customer waiting for a person keeps their place: the message is kept for the agent.
        assert "It is saved" in texts(waiting.say("Still waiting, my order is MM-4242"))
        # An answer needs the action server: the apology stays.
        assert "part of our system isn't responding" in texts(customer.say("Where is my parcel MM-31337?"))
        asked = texts(customer.say("/request_human"))  # the "Talk to a person" button
        assert "Your request is recorded as ticket" in asked and "a person from our team will follow up" in asked
        ticket = re.search(r"ticket (TX[A-Z0-9]{6})", asked).group(1)
        assert ticket in texts(customer.say("Please e-mail me at jo.fault@example.com"))
    finally:
        stack.start_actions()

    def with_contact() -> bool:
        handoff = queue.get(ticket)
        return handoff is not None and "jo.fault@example.com" in handoff.contact_details

    wait_for(with_contact, "the ticket with the contact details")
    handoff = queue.get(ticket)
    assert handoff.sender_id == customer.sender and handoff.state == "ticket"
    assert "taken while our systems were down" in str(handoff.reasons)
    said = [line.text for line in queue.transcript(ticket) if line.who == "customer"]
    # The whole conversation: from before the outage, during it, and the contact details.
    assert said[:2] == ["How long does a refund take?", "Where is my parcel MM-31337?"]
    assert "Please e-mail me at jo.fault@example.com" in said
    assert "Still waiting, my order is MM-4242" in [line.text for line in queue.transcript(waiting_on)]
    assert client.llen(ACTIONS_DOWN_KEY) == 0


def test_each_service_killed_comes_back_while_the_others_go_on_and_nothing_is_lost(stack: Stack):
    customer = Customer(stack.rasa_url)
    accepted = []

    def say(text: str) -> None:
        say_until_accepted(customer, text)
        accepted.append(text)

    say("How long does a refund take?")
    for number, name in enumerate(SERVICES):
        before = {service: stack.pid(service) for service in SERVICES}
        os.kill(before[name], signal.SIGKILL)
        say(f"Where is my parcel MM-5{number}000?")  # during the fault (or just after it)
        wait_for(lambda: stack.pid(name) not in (0, before[name]), f"{name} restarted", timeout=30)
        if name == "redis":
            wait_for(lambda: redis_answers(stack), "Redis answers")
        else:
            stack.wait_until_up(name, health_url(stack, name), timeout=300)
        after = {service: stack.pid(service) for service in SERVICES}
        assert {s: after[s] for s in SERVICES if s != name} == {s: before[s] for s in SERVICES if s != name}
        wait_for(lambda: stack.supervisor.info(name)["statename"] == "RUNNING", f"{name} RUNNING", timeout=30)
        say(f"Do you ship to Canada? ({name} is back)")
    said = tracker_texts(stack, customer.sender)
    # Each, once and in order (a message Rasa took but died before answering may be there twice).
    assert [text for text in dict.fromkeys(said) if text in accepted] == accepted
