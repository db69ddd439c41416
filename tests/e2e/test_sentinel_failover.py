"""The stack on Redis Sentinel: `kill -9` the master mid-conversation and mid-handoff.

REDIS_URL=redis+sentinel://... names a sentinel watching a master and its replica (real
redis-server processes, tests/infra/sentinel_cluster.py); the launcher starts no Redis of its own.
During the failover window (the sentinel's down-after time, 1 s here, plus the promotion) Redis is
unreachable and the outage paths hold what customers write (Rasa's held conversations, the action
server's journal); once the sentinel names the new master, every client reconnects to it and what
was held is written there. One stack for the module: the killed master comes back as a replica
after each failover, so the second test fails over back to it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from bench.clients import Customer, DeskApi
from desk.users import UserStore
from handoff.presence import heartbeat
from handoff.queue import HandoffQueue
from infra.redis_client import connect
from infra.settings import RedisSettings
from kb.fits import LOCK_KEY, fit_key
from privacy.erasure import TRACKER_PREFIX
from tests.e2e.running import RunningStack, started_stack
from tests.infra.sentinel_cluster import SentinelCluster, running_cluster
from tests.support import texts, wait_for

pytestmark = pytest.mark.e2e
AGENT, PASSWORD = "failover-agent", "failover desk password"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SentinelCluster]:
    with running_cluster(Path(tmp_path_factory.mktemp("sentinel"))) as started:
        yield started


def share_fits(source: redis.Redis, target: redis.Redis) -> None:
    """The session stack's stored fits of the tuned model, copied to the new master: the new stack
    starts on one, as a replica finds a fit in Redis, instead of fitting its own (minutes of CPU)."""
    for key in source.scan_iter(match=fit_key("*")):
        if key.decode() != LOCK_KEY:
            target.restore(key, 0, source.dump(key), replace=True)


@pytest.fixture(scope="module")
def stack(
    cluster: SentinelCluster, running_stack: RunningStack, tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningStack]:
    share_fits(running_stack.redis(), connect(RedisSettings(cluster.url())))
    with started_stack(cluster.url(), tmp_path_factory.mktemp("sentinel-stack")) as running:
        yield running


def stored_texts(stack: RunningStack, sender: str) -> list[str]:
    """What the customer said, as the tracker on the current master has it (read past Rasa)."""
    stored = stack.redis().get(TRACKER_PREFIX + sender)
    return [e["text"] for e in json.loads(stored)["events"] if e["event"] == "user"] if stored else []


def test_a_conversation_goes_on_through_a_failover_and_keeps_every_message(
    stack: RunningStack, cluster: SentinelCluster, tmp_path: Path,
):
    assert "redis" not in [p["name"] for p in stack.supervisor.all_info()]  # the sentinel's, none of its own
    customer = Customer(stack.rasa_url)
    said = ["How long does a refund take?"]
    customer.say(said[0])
    killed = cluster.kill_master()
    for text in ("Where is my parcel MM-70001?", "It was due last Monday"):
        assert texts(customer.say(text))  # the plain "saved" apology of the outage: never silence
        said.append(text)
    cluster.fail_over(killed)
    said.append("Do you ship to Canada?")
    assert "outside the UK" in texts(customer.say(said[-1]))  # answered from the knowledge base again
    wait_for(lambda: stored_texts(stack, customer.sender) == said, "every message on the new master", timeout=10)
    # The `kb` command finds the new master too.
    exported = tmp_path / "kb.yml"
    subprocess.run([str(Path(sys.executable).parent / "kb"), "export", str(exported)], env=stack.env(), check=True,
                   capture_output=True, timeout=120)
    assert "id: reset-password" in exported.read_text()


def test_a_handoff_survives_a_failover_without_a_lost_line_or_a_second_ticket(
    stack: RunningStack, cluster: SentinelCluster,
):
    queue = HandoffQueue(stack.redis())
    UserStore(stack.redis()).create(AGENT, PASSWORD, "agent", "Failover Agent")
    heartbeat(stack.redis(), AGENT)  # someone online: a request made now queues
    waiting = Customer(stack.rasa_url)
    waiting.say("My parcel MM-70010 arrived broken")
    waiting.say("/request_human")
    ticket = queue.open_for(waiting.sender).ticket
    asker = Customer(stack.rasa_url)
    asker.say("My parcel MM-70020 never came")

    killed = cluster.kill_master()
    assert f"You keep your place in the queue, and your message is saved with ticket {ticket}" in texts(
        waiting.say("Still there? It is the blue one"))
    asked = re.search(r"opened ticket (TX[A-Z0-9]{6})", texts(asker.say("/request_human")))
    assert asked, "a ticket taken during the window, from the action server's journal"
    assert texts(asker.say("Please e-mail me at failover@example.com"))
    cluster.fail_over(killed)

    def line_arrived() -> bool:
        return "Still there? It is the blue one" in [line.text for line in queue.transcript(ticket)]
    wait_for(line_arrived, "the waiting customer's message in their handoff", timeout=20)

    def with_contact() -> bool:  # replayed from the journal into the new master
        taken = queue.get(asked.group(1))
        return taken is not None and "failover@example.com" in taken.contact_details
    wait_for(with_contact, "the ticket taken in the window, with the contact details", timeout=20)
    said = [line.text for line in queue.transcript(asked.group(1)) if line.who == "customer"]
    assert "My parcel MM-70020 never came" in said  # the conversation from before the kill

    def tickets_of(sender: str) -> list[str]:
        return [h.ticket for h in queue.recent() if h.sender_id == sender]
    assert tickets_of(waiting.sender) == [ticket]
    assert tickets_of(asker.sender) == [asked.group(1)]
    # The desk follows the failover too: the agent logs in and takes the waiting customer's chat.
    assert DeskApi(stack.desk_url, AGENT, PASSWORD).act(ticket, "claim").status_code == 200
    for customer, words in ((waiting, "Still there? It is the blue one"),
                            (asker, "Please e-mail me at failover@example.com")):
        wait_for(lambda c=customer, w=words: w in stored_texts(stack, c.sender), "the tracker on the new master",
                 timeout=10)
