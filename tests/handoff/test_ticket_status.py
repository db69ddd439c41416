"""What a customer is told about a ticket, for each state, from real handoff records."""

from __future__ import annotations

import time

from handoff.queue import HandoffQueue
from handoff.records import PRIORITY_NORMAL, Line
from handoff.summary import Summary
from handoff.ticket_status import status_text, ticket_refs

SECRET = "my card 4111 1111 1111 1234 was charged twice"


def create(queue: HandoffQueue, sender: str, as_ticket: bool = False):
    return queue.create([Line("customer", SECRET)], as_ticket=as_ticket, sender_id=sender, channel="rest",
                        customer={"email": "sam@example.com"}, priority=PRIORITY_NORMAL, reasons=[], summary=Summary(issue=SECRET, added=(SECRET,)))


def test_ticket_references_are_found_in_any_case_once_each():
    assert ticket_refs("about t000123 and TX7KQ2MZ, again T000123") == ["T000123", "TX7KQ2MZ"]
    assert ticket_refs("order 12345, T12, AT0001234, TX0OOOOO") == []  # not ticket numbers


def test_each_state_is_told_plainly_and_nothing_of_the_conversation(redis_client):
    queue, now = HandoffQueue(redis_client), time.time()
    queued = create(queue, "a")
    offline = create(queue, "b", as_ticket=True)
    text, person = status_text(queued.ticket, queued, queue.position(queued.ticket), now)
    assert text == f"Ticket {queued.ticket} is waiting for the next free agent. You're number 1 in line." and not person
    queue.claim(queued.ticket, "alice")
    assert "An agent is working on ticket" in status_text(queued.ticket, queue.get(queued.ticket), None, now)[0]
    text, person = status_text(offline.ticket, offline, None, offline.created_at)
    assert "will get back to you within 24 hours" in text and not person
    assert "within 3 hours" in status_text(offline.ticket, offline, None, offline.deadline_at - 2.5 * 3600)[0]
    text, person = status_text(offline.ticket, offline, None, offline.deadline_at + 60)
    assert "longer than our one-day target" in text and person
    queue.close(offline.ticket, "resolved")
    text, person = status_text(offline.ticket, queue.get(offline.ticket), None, now)
    assert "has been dealt with" in text and person
    for handoff in (queued, offline):
        told, _ = status_text(handoff.ticket, queue.get(handoff.ticket), None, now)
        assert "4111" not in told and "charged" not in told and "sam@" not in told


def test_unknown_numbers_and_tickets_still_in_the_outage_journal():
    assert "I can't find a ticket T999999" in status_text("T999999", None, None, 0)[0]
    assert "taken while our systems were down" in status_text("TX7KQ2MZ", None, None, 0)[0]
