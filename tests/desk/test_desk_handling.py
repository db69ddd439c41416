"""What agents do with handoffs: claims (and the race), chat, notes, transfers, closing, ratings."""

from __future__ import annotations

import asyncio
import threading

import pytest
import redis

from desk.handling import SUMMARY_RATINGS_KEY, DeskError, Handling
from desk.users import UserStore
from customers.contacts import ContactHistory
from handoff.queue import HandoffQueue
from bench.clients import free_port


def test_two_agents_claiming_at_once_exactly_one_wins(svc, rasa, make_handoff):
    ticket = make_handoff().ticket
    handling = Handling(svc)
    alice, bob = svc.users.get("alice"), svc.users.get("bob")

    async def race():
        return await asyncio.gather(handling.claim(ticket, alice), handling.claim(ticket, bob), return_exceptions=True)

    for _ in range(5):  # several rounds, each from a fresh queued state
        results = asyncio.run(race())
        won = [r for r in results if not isinstance(r, Exception)]
        lost = [r for r in results if isinstance(r, DeskError)]
        assert len(won) == 1 and len(lost) == 1
        winner = svc.queue.get(ticket).agent
        assert lost[0].status == 409 and "already took this conversation" in lost[0].message
        assert winner.capitalize() in lost[0].message
        svc.queue.requeue(ticket, "agents")
    assert sum(1 for p in rasa.payloads("cust-1") if p["type"] == "agent_joined") == 5


def test_two_agents_claiming_through_http_at_once_exactly_one_wins(client_for, make_handoff):
    ticket = make_handoff().ticket
    clients = [client_for("alice"), client_for("bob")]
    barrier = threading.Barrier(2)
    responses = []

    def claim(client):
        barrier.wait()
        responses.append(client.post(f"/desk/api/conversations/{ticket}/claim"))

    threads = [threading.Thread(target=claim, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in responses) == [200, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert "already took this conversation" in loser.json()["error"]


def test_claiming_tells_the_customer_and_the_chat_flows(svc, rasa, make_handoff):
    ticket = make_handoff().ticket
    handling, alice = Handling(svc), svc.users.get("alice")
    asyncio.run(handling.claim(ticket, alice))
    assert rasa.slots("cust-1") == [("handoff_state", "with_agent")]
    assert rasa.payloads("cust-1") == [{"type": "agent_joined", "agent": "Alice"}]
    assert rasa.sent[0][2] == "socketio"
    asyncio.run(handling.send(ticket, alice, "  Hi, I'm looking at your order now.  "))
    asyncio.run(handling.note(ticket, alice, "customer sounds calm"))
    assert rasa.payloads("cust-1")[-1] == {"type": "agent_message", "agent": "Alice", "text": "Hi, I'm looking at your order now."}
    assert len(rasa.sent) == 2  # the note went nowhere
    lines = [(line.who, line.text, line.name) for line in svc.queue.transcript(ticket)]
    assert lines[-2:] == [("agent", "Hi, I'm looking at your order now.", "Alice"), ("note", "customer sounds calm", "Alice")]


def test_only_the_agent_who_has_it_can_chat(svc, make_handoff):
    ticket = make_handoff().ticket
    handling = Handling(svc)
    asyncio.run(handling.claim(ticket, svc.users.get("alice")))
    with pytest.raises(DeskError) as refused:
        asyncio.run(handling.send(ticket, svc.users.get("bob"), "hello"))
    assert refused.value.status == 404
    asyncio.run(handling.send(ticket, svc.users.get("sue"), "Supervisor here"))  # supervisors may step in


def test_resolving_asks_for_a_rating_and_records_the_outcome(svc, rasa, make_handoff):
    ContactHistory(svc.redis).touch("cust-1", ["email:cust-1@example.com"], topic="my refund")
    ticket = make_handoff().ticket
    handling, alice = Handling(svc), svc.users.get("alice")
    asyncio.run(handling.claim(ticket, alice))
    done = asyncio.run(handling.resolve(ticket, alice))
    assert not done.warning
    assert svc.queue.get(ticket).state == "resolved"
    assert svc.queue.open_for("cust-1") is None
    assert ContactHistory(svc.redis).get("cust-1").outcome == "resolved"
    assert rasa.slots("cust-1")[-1] == ("handoff_state", None)
    assert rasa.payloads("cust-1")[-1] == {"type": "rating_request", "ticket": ticket}


def test_giving_back_to_the_bot(svc, rasa, make_handoff):
    ticket = make_handoff().ticket
    handling, alice = Handling(svc), svc.users.get("alice")
    asyncio.run(handling.claim(ticket, alice))
    asyncio.run(handling.give_back(ticket, alice))
    assert svc.queue.get(ticket).state == "returned"
    assert rasa.payloads("cust-1")[-1] == {"type": "handoff_ended", "to": "bot"}
    assert rasa.slots("cust-1")[-1] == ("handoff_state", None)


def test_transfers_to_the_supervisor_queue_and_to_another_agent(svc, rasa, make_handoff):
    ticket = make_handoff().ticket
    handling, alice, bob = Handling(svc), svc.users.get("alice"), svc.users.get("bob")
    asyncio.run(handling.claim(ticket, alice))
    asyncio.run(handling.transfer(ticket, alice, "bob"))
    assert svc.queue.get(ticket).agent == "bob"
    assert rasa.payloads("cust-1")[-1] == {"type": "agent_joined", "agent": "Bob"}
    asyncio.run(handling.transfer(ticket, bob, "supervisors"))
    handoff = svc.queue.get(ticket)
    assert (handoff.state, handoff.audience, handoff.agent) == ("queued", "supervisors", "")
    assert [h.ticket for h in svc.queue.waiting()] == [ticket]
    assert rasa.slots("cust-1")[-1] == ("handoff_state", "queued")


def test_offline_tickets_take_notes_and_resolve_without_the_chat(svc, rasa, make_handoff):
    ticket = make_handoff("gone-1", as_ticket=True, contact_details="call me on +44 20 7946 0000").ticket
    handling, bob = Handling(svc), svc.users.get("bob")
    asyncio.run(handling.note(ticket, bob, "called back, refund issued"))
    asyncio.run(handling.resolve(ticket, bob))
    assert svc.queue.get(ticket).state == "resolved"
    assert svc.queue.offline_tickets() == []
    assert rasa.sent == []


def test_the_summary_rating_is_stored_and_counted(svc, make_handoff):
    first, second = make_handoff("c1").ticket, make_handoff("c2").ticket
    handling, alice = Handling(svc), svc.users.get("alice")
    asyncio.run(handling.rate_summary(first, alice, "enough"))
    asyncio.run(handling.rate_summary(second, alice, "enough"))
    asyncio.run(handling.rate_summary(second, alice, "asked_again"))  # changed mind: moves the count
    assert svc.queue.get(second).summary_rating == "asked_again"
    assert svc.redis.hgetall(SUMMARY_RATINGS_KEY) == {b"enough": b"1", b"asked_again": b"1"}


def test_rasa_down_when_claiming_puts_the_customer_back_in_line(svc, rasa, make_handoff):
    ticket = make_handoff().ticket
    rasa.down = True
    handling, alice = Handling(svc), svc.users.get("alice")
    with pytest.raises(DeskError) as refused:
        asyncio.run(handling.claim(ticket, alice))
    assert refused.value.status == 503 and "back in the queue" in refused.value.message
    assert svc.queue.get(ticket).state == "queued"
    rasa.down = False
    asyncio.run(handling.claim(ticket, alice))
    rasa.down = True
    with pytest.raises(DeskError, match="not sent"):
        asyncio.run(handling.send(ticket, alice, "hello?"))
    assert "hello?" not in [line.text for line in svc.queue.transcript(ticket)]
    done = asyncio.run(handling.resolve(ticket, alice))  # the record changes; the agent is warned
    assert done.warning and svc.queue.get(ticket).state == "resolved"


def test_redis_down_shows_a_clear_message_not_a_trace(client_for, svc):
    alice = client_for("alice")
    dead = redis.Redis(port=free_port(), socket_connect_timeout=1)
    svc.redis, svc.users, svc.queue = dead, UserStore(dead), HandoffQueue(dead)
    page = alice.get("/desk")
    assert page.status_code == 503 and "database (Redis) can" in page.text and "Traceback" not in page.text
    api = alice.get("/desk/api/queue")
    assert api.status_code == 503 and "can't be reached" in api.json()["error"]


def test_customer_text_is_escaped_on_the_conversation_page(client_for, make_handoff):
    attack = "<img src=x onerror=alert(1)><script>alert(2)</script>"
    handoff = make_handoff(text=attack, contact_details=attack)
    page = client_for("alice").get(f"/desk/conversations/{handoff.ticket}")
    assert page.status_code == 200
    assert "<img src=x" not in page.text and "<script>alert" not in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
