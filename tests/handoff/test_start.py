"""Starting a handoff: queued when someone is online and the queue has room, else a ticket."""

from __future__ import annotations

import dataclasses

from conversation.context import Services
from customers.contacts import ContactHistory
from detection import Reason
from handoff.presence import heartbeat
from handoff.queue import HandoffQueue
from handoff.records import Line
from handoff.start import NO_ONE_ONLINE, TOO_BUSY, Request, start_handoff
from handoff.turns import TurnRecord

ASKED = Reason("human_request", "asks for a person", "a human please")


def request(sender: str = "s1") -> Request:
    return Request(sender, "rest", {"browser_id": "b1"}, [TurnRecord("a human please", "request_human", "handoff")],
                   [ASKED], "none", [Line("customer", "a human please")])


def test_with_no_one_online_it_is_a_ticket(services: Services) -> None:
    started = start_handoff(services.redis, services.knowledge_base, services.settings, request())
    assert started.handoff.state == "ticket" and started.ticket_because == NO_ONE_ONLINE
    assert started.position is None and not started.already
    contact = ContactHistory(services.redis).get("s1")
    assert contact is not None and (contact.outcome, contact.ticket) == ("handed_off", started.handoff.ticket)


def test_with_an_agent_online_it_is_queued_and_asked_again_it_is_the_same(services: Services) -> None:
    heartbeat(services.redis, "alice")
    started = start_handoff(services.redis, services.knowledge_base, services.settings, request())
    assert started.handoff.state == "queued" and started.position == 1 and started.eta_minutes is not None
    assert started.summary_text
    again = start_handoff(services.redis, services.knowledge_base, services.settings, request())
    assert again.already and again.handoff.ticket == started.handoff.ticket and again.position == 1
    assert [line.text for line in HandoffQueue(services.redis).transcript(started.handoff.ticket)] == ["a human please"]


def test_a_full_queue_makes_tickets(services: Services) -> None:
    heartbeat(services.redis, "alice")
    full = dataclasses.replace(services.settings, queue_limit=1)
    start_handoff(services.redis, services.knowledge_base, full, request("s1"))
    second = start_handoff(services.redis, services.knowledge_base, full, request("s2"))
    assert second.handoff.state == "ticket" and second.ticket_because == TOO_BUSY
