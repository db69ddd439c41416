"""Any replica serves any message: two Rasa, two action servers and two desks behind nginx (REPLICAS=2).

One stack for the module (each Rasa start costs 30-60 s). The conversation's lock in Redis
(rasa_ext.redis_lock) keeps one conversation's turns in order whichever replica takes them; a
replica killed with `kill -9` leaves its conversations to the other.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import socketio

from bench.clients import Customer
from kb.fits import LATEST_KEY, fit_key
from rasa_ext.redis_lock import ConversationLocks
from tests.e2e.running import RunningStack, started_stack
from tests.support import wait_for


@pytest.fixture(scope="module")
def replicas(running_stack: RunningStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The stack with REPLICAS=2, on a Redis database of its own, given the session stack's KB fit
    (so its action servers load it instead of fitting the KB again, minutes on a busy machine)."""
    db = 2  # unit tests flush db 0, the session stack uses 1
    session_redis = running_stack.redis()
    latest = session_redis.get(LATEST_KEY).decode()
    for key in (LATEST_KEY, fit_key(latest)):
        session_redis.copy(key, key, destination_db=db, replace=True)
    url = running_stack.settings.redis.url.rsplit("/", 1)[0] + f"/{db}"
    with started_stack(url, tmp_path_factory.mktemp("replicas"), REPLICAS="2") as running:
        yield running


def user_texts(stack: RunningStack, sender: str) -> list[str]:
    """The customer's messages as the conversation's tracker (in Redis) has them, in order."""
    response = requests.get(f"{stack.rasa_url}/conversations/{sender}/tracker",
                            params={"token": stack.settings.rasa_token}, timeout=30)
    response.raise_for_status()
    return [event["text"] for event in response.json()["events"] if event["event"] == "user"]


def test_one_conversations_messages_sent_alternately_to_both_replicas_at_once_are_handled_in_order(replicas):
    sender = "alternating-" + uuid.uuid4().hex[:8]
    client = replicas.redis()
    fence = ConversationLocks(client).keys(sender)[2]
    texts = [f"hello {n}" for n in range(8)]
    replies: dict[int, list[dict[str, Any]]] = {}

    def send(n: int, url: str) -> None:
        customer = Customer(url)
        customer.sender = sender
        replies[n] = customer.say(texts[n])

    threads = []
    for n in range(len(texts)):
        # Straight to one replica, then the other; each sent once the one before took its ticket
        # (so the order is defined), long before its reply.
        taken = int(client.get(fence) or 0)
        thread = threading.Thread(target=send, args=(n, replicas.url(f"rasa-{n % 2 + 1}")))
        thread.start()
        threads.append(thread)
        wait_for(lambda taken=taken: int(client.get(fence) or 0) > taken, f"message {n} took its ticket", timeout=60)
    for thread in threads:
        thread.join(timeout=120)

    assert all(replies.get(n) for n in range(len(texts))), f"a message got no reply: {replies}"
    assert user_texts(replicas, sender) == texts


def test_socketio_through_nginx_upgrades_and_gets_the_bots_reply(replicas):
    received = threading.Event()
    client = socketio.Client(reconnection=False)
    client.on("bot_uttered", lambda *_: received.set())
    # Long-polling first, then the upgrade: both must reach the same replica.
    client.connect(replicas.rasa_url, socketio_path="/socket.io", wait_timeout=30)
    try:
        session_id = uuid.uuid4().hex
        client.emit("session_request", {"session_id": session_id})
        client.emit("user_uttered", {"message": "hello", "session_id": session_id})
        assert received.wait(60), "no reply over socket.io through nginx"
        assert client.transport() == "websocket"
    finally:
        client.disconnect()


def test_killing_a_rasa_replica_under_load_loses_no_message(replicas):
    sessions, turns = 4, 5
    senders = [f"load-{n}-{uuid.uuid4().hex[:6]}" for n in range(sessions)]
    halfway = threading.Barrier(sessions + 1)
    failures: list[str] = []

    def converse(sender: str) -> None:
        customer = Customer(replicas.rasa_url)  # through nginx, as a customer
        customer.sender = sender
        try:
            for turn in range(turns):
                if turn == 2:
                    halfway.wait(timeout=120)
                say_until_answered(customer, f"hello {turn}")
        except (AssertionError, requests.RequestException, threading.BrokenBarrierError) as error:
            failures.append(f"{sender}: {error!r}")
            halfway.abort()

    threads = [threading.Thread(target=converse, args=(sender,)) for sender in senders]
    for thread in threads:
        thread.start()
    halfway.wait(timeout=120)
    os.kill(replicas.pid("rasa-1"), signal.SIGKILL)  # mid-conversation, with messages in flight
    for thread in threads:
        thread.join(timeout=180)

    assert not failures
    for sender in senders:
        assert collapse_retries(user_texts(replicas, sender)) == [f"hello {turn}" for turn in range(turns)]


def say_until_answered(customer: Customer, text: str, patience: float = 90.0) -> None:
    """Send `text` until a reply comes: a request the killed replica had taken fails (502 from nginx)
    and the customer sends it again, as the widget and a REST client do."""
    deadline = time.monotonic() + patience
    while True:
        try:
            if customer.say(text):
                return
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, f"no reply to {text!r} within {patience:.0f} s"
        time.sleep(0.2)


def collapse_retries(texts: list[str]) -> list[str]:
    """A message sent again after the replica died between saving its turn and answering appears
    twice in a row; each turn's text is unique, so a repeat is that retry, not a lost message."""
    return [text for n, text in enumerate(texts) if n == 0 or texts[n - 1] != text]
