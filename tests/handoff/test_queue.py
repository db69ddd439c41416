"""The handoff queue against a real Redis."""

import threading
import time

from handoff.queue import CLOSED_RETENTION_SECONDS, HandoffQueue
from handoff.records import PRIORITY_HIGH, PRIORITY_NORMAL, PRIORITY_RAISED, Line
from handoff.summary import Summary


def create(queue: HandoffQueue, sender: str, priority: int = PRIORITY_NORMAL, **kw):
    fields = dict(sender_id=sender, channel="rest", customer={}, priority=priority, reasons=[], summary=Summary(issue="s"))
    fields.update(kw)
    return queue.create([Line("customer", f"hello from {sender}")], **fields)


def test_queue_orders_by_priority_then_age(redis_client):
    queue = HandoffQueue(redis_client)
    calm = create(queue, "calm")
    repeat = create(queue, "repeat", PRIORITY_RAISED)
    angry = create(queue, "angry", PRIORITY_HIGH)
    later_calm = create(queue, "later")
    assert [h.ticket for h in queue.waiting()] == [angry.ticket, repeat.ticket, calm.ticket, later_calm.ticket]
    assert queue.position(calm.ticket) == 3
    assert angry.deadline_at - angry.created_at < calm.deadline_at - calm.created_at


def test_handoff_is_durable_with_its_transcript(redis_client):
    queue = HandoffQueue(redis_client)
    made = create(queue, "s1", reasons=[{"kind": "words", "detail": "d", "quote": "q"}])
    queue.append(made.ticket, Line("agent", "Hi, I'm Alice", name="Alice"))
    again = HandoffQueue(redis_client).get(made.ticket)
    assert again == made
    assert [line.text for line in queue.transcript(made.ticket)] == ["hello from s1", "Hi, I'm Alice"]
    assert queue.open_for("s1").ticket == made.ticket


def test_exactly_one_of_many_simultaneous_claims_wins(redis_client):
    queue = HandoffQueue(redis_client)
    ticket = create(queue, "s1").ticket
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def claim(agent: str) -> None:
        barrier.wait()
        results.append(HandoffQueue(redis_client).claim(ticket, agent))

    threads = [threading.Thread(target=claim, args=(f"agent{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1
    handoff = queue.get(ticket)
    assert handoff.state == "assigned" and handoff.agent.startswith("agent")
    assert queue.waiting() == []


def test_offline_ticket_requeue_and_close(redis_client):
    queue = HandoffQueue(redis_client)
    offline = create(queue, "night", as_ticket=True)
    assert offline.state == "ticket" and queue.waiting() == []
    assert [h.ticket for h in queue.offline_tickets()] == [offline.ticket]
    assert offline.deadline_at - offline.created_at == 24 * 3600
    queued = create(queue, "day")
    assert queue.claim(queued.ticket, "alice")
    queue.requeue(queued.ticket, "supervisors")
    assert queue.get(queued.ticket).audience == "supervisors" and queue.position(queued.ticket) == 1
    queue.close(queued.ticket, "resolved")
    assert queue.get(queued.ticket).state == "resolved" and queue.open_for("day") is None


def test_the_first_claim_is_timed_and_a_later_one_after_a_transfer_keeps_it(redis_client):
    queue = HandoffQueue(redis_client)
    made = create(queue, "s1", PRIORITY_HIGH)
    assert made.claimed_at == 0.0
    assert queue.claim(made.ticket, "alice")
    first = queue.get(made.ticket).claimed_at
    assert made.created_at <= first <= time.time()
    queue.requeue(made.ticket, "supervisors")
    assert queue.claim(made.ticket, "sue")
    assert queue.get(made.ticket).claimed_at == first
    assert [h.ticket for h in queue.created_since(made.created_at - 1)] == [made.ticket]
    assert queue.created_since(time.time() + 1) == []


def test_a_closed_handoff_and_its_transcript_expire_and_leave_the_index(redis_client):
    queue = HandoffQueue(redis_client)
    gone, kept = create(queue, "earlier"), create(queue, "today")
    assert redis_client.ttl(f"handoff:{kept.ticket}") == -1  # open: kept
    queue.close(kept.ticket, "resolved")
    for key in (f"handoff:{kept.ticket}", f"handoff:{kept.ticket}:log"):
        assert CLOSED_RETENTION_SECONDS - 10 < redis_client.ttl(key) <= CLOSED_RETENTION_SECONDS
    redis_client.delete(f"handoff:{gone.ticket}", f"handoff:{gone.ticket}:log")  # as when its time is up
    assert [h.ticket for h in queue.recent()] == [kept.ticket]
    assert redis_client.zscore("handoff:all", gone.ticket) is None  # the index forgot it
