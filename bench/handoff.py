"""Time from a customer's "I want a person" to the handoff appearing in the desk's queue feed."""

from __future__ import annotations

import json
import threading
import time

from bench.clients import Customer
from handoff.presence import heartbeat
from handoff.queue import EVENTS_CHANNEL, HandoffQueue
from infra.redis_client import connect
from launcher.stack import Stack

CONCURRENT = 20
ROUNDS = 2


def handoff_latency(stack: Stack) -> dict[str, list[float]]:
    """CONCURRENT conversations ask for a person at once, ROUNDS times; milliseconds each."""
    client = connect(stack.settings.redis)
    heartbeat(client, "bench-agent")  # someone online, so requests queue instead of becoming tickets
    created: dict[str, float] = {}
    subscriber = client.pubsub()
    subscriber.subscribe(EVENTS_CHANNEL)

    done = threading.Event()

    def listen() -> None:
        while not done.is_set():
            message = subscriber.get_message(ignore_subscribe_messages=True, timeout=0.2)
            if message:
                event = json.loads(message["data"])
                if event.get("type") == "created":
                    created[event["ticket"]] = time.perf_counter()

    sent: dict[str, float] = {}

    def ask(customer: Customer, barrier: threading.Barrier) -> None:
        barrier.wait()  # all at the same moment
        sent[customer.sender] = time.perf_counter()
        customer.say("I want to talk to a person")

    listener = threading.Thread(target=listen)
    listener.start()
    for _ in range(ROUNDS):
        customers = [Customer(stack.rasa_url) for _ in range(CONCURRENT)]
        for customer in customers:
            customer.say("hello")  # a conversation under way, as in real life
        barrier = threading.Barrier(CONCURRENT)
        threads = [threading.Thread(target=ask, args=(c, barrier)) for c in customers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    time.sleep(1)  # the last events are on their way
    done.set()
    listener.join()
    subscriber.close()
    queue = HandoffQueue(client)
    samples = []
    for ticket, at in created.items():
        handoff = queue.get(ticket)
        if handoff and handoff.sender_id in sent:
            samples.append((at - sent[handoff.sender_id]) * 1000)
    assert len(samples) == CONCURRENT * ROUNDS, f"only {len(samples)} handoffs reached the queue"
    return {f"trigger to desk queue ({CONCURRENT} at once)": samples}
