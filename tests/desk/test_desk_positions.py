"""Waiting customers hear about their place in line when it changes, and only then."""

from __future__ import annotations

import asyncio

from desk.positions import push_once
from handoff.presence import heartbeat
from handoff.eta import eta_minutes


def test_eta_shares_the_queue_among_online_agents():
    assert eta_minutes(1, 0, 4) == 4
    assert eta_minutes(3, 2, 4) == 6
    assert eta_minutes(1, 10, 4) == 1  # never "0 minutes"


def test_each_waiting_customer_is_told_once_per_change(svc, rasa, make_handoff):
    heartbeat(svc.redis, "alice")
    first, second = make_handoff("c1"), make_handoff("c2")
    assert asyncio.run(push_once(svc)) == 2
    assert rasa.payloads("c2") == [{"type": "handoff_status", "state": "queued", "position": 2,
                                    "eta_minutes": 8, "ticket": second.ticket}]
    assert rasa.sent[0][2] == "socketio"
    assert asyncio.run(push_once(svc)) == 0  # nothing changed
    svc.queue.claim(first.ticket, "alice")
    assert asyncio.run(push_once(svc)) == 1
    assert rasa.payloads("c2")[-1]["position"] == 1 and rasa.payloads("c2")[-1]["eta_minutes"] == 4
    heartbeat(svc.redis, "bob")  # another agent online: a shorter wait
    assert asyncio.run(push_once(svc)) == 1
    assert rasa.payloads("c2")[-1]["eta_minutes"] == 2


def test_a_customer_rasa_could_not_reach_is_told_next_round(svc, rasa, make_handoff):
    make_handoff("c1")
    rasa.down = True
    assert asyncio.run(push_once(svc)) == 0
    rasa.down = False
    assert asyncio.run(push_once(svc)) == 1


def test_a_requeued_customer_is_told_again(svc, rasa, make_handoff):
    ticket = make_handoff("c1").ticket
    asyncio.run(push_once(svc))
    svc.queue.claim(ticket, "alice")
    asyncio.run(push_once(svc))
    svc.queue.requeue(ticket, "supervisors")
    assert asyncio.run(push_once(svc)) == 1
    assert len(rasa.payloads("c1")) == 2
