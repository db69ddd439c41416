"""Erasing one customer's chat data in a real Redis: everything about them goes, nobody else's."""

from __future__ import annotations

import numpy as np

from customers.contacts import STARTED_KEY, ContactHistory, identities
from privacy.erasure import TRACKER_PREFIX, erase_customer, main
from reports.ratings import FeedbackLog
from handoff.queue import HandoffQueue
from handoff.records import Line
from handoff.summary import Summary
from handoff.turns import TurnLog, TurnRecord
from kb.gaps import GapLog
from notices.board import NoticeBoard

SAM = {"email": "sam@example.com", "browser_id": "b-sam"}
KIM = {"email": "kim@example.com"}
VECTOR = np.array([0.1, -0.7, 0.3, 0.6], dtype=np.float32)  # stored as float16 bytes that are not UTF-8


def conversation(client, sender: str, customer: dict, ticket_state: str | None = None) -> str:
    """A conversation with everything the product keeps about it; its ticket, if any."""
    history = ContactHistory(client)
    history.touch(sender, identities(customer), ["refund-timing"], "kb_question", "Where is my refund?")
    TurnLog(client).append(sender, TurnRecord("Where is my refund?", "kb_question", "dont_know"))
    client.set(f"{TRACKER_PREFIX}{sender}", "{}")
    GapLog(client).record("Where is my refund?", "unanswered", [], sender, VECTOR)  # binary in the stream
    FeedbackLog(client).record("bot", sender, 2, "meh", ["Where is my refund?"])
    NoticeBoard(client).to_tell(sender, lambda: [])
    client.set(f"flagged:email:{customer['email']}", "abusive language")
    if ticket_state is None:
        return ""
    queue = HandoffQueue(client)
    handoff = queue.create([Line("customer", "I want a person")], sender_id=sender, channel="rest", customer=customer,
                           priority=0, reasons=[], summary=Summary())
    history.set_outcome(sender, "handed_off", handoff.ticket)
    if ticket_state != "queued":
        queue.claim(handoff.ticket, "alice")
        FeedbackLog(client).record("agent", handoff.ticket, 5, ticket=handoff.ticket, agent="alice")
        queue.close(handoff.ticket, "resolved")
    return handoff.ticket


def test_everything_about_the_customer_is_erased_and_nothing_about_anyone_else(redis_client):
    NoticeBoard(redis_client).post("Phones closed", [], 2, "sue")
    ticket = conversation(redis_client, "sam-1", SAM, "resolved")
    conversation(redis_client, "sam-2", {"browser_id": "b-sam", "email": "sam@example.com"})
    conversation(redis_client, "kim-1", KIM, "resolved")
    before = set(redis_client.keys("*"))

    dry = erase_customer(redis_client, identities({"email": "sam@example.com"}), dry_run=True)
    assert dry.conversations == ["sam-1", "sam-2"] and dry.tickets == [ticket] and set(redis_client.keys("*")) == before

    done = erase_customer(redis_client, identities({"email": "sam@example.com"}))
    assert done.ratings == 3 and done.gaps == 2 and done.keys > 10
    left = {k.decode() for k in redis_client.keys("*")}
    assert not [k for k in left if "sam" in k or ticket in k], left
    assert [r.score for r in FeedbackLog(redis_client).since(0)] == [5, 2]  # Kim's two ratings
    assert [g.question for g in GapLog(redis_client).all()] == ["Where is my refund?"]  # Kim's
    assert [s.decode() for s in redis_client.zrange(STARTED_KEY, 0, -1)] == ["kim-1"]
    assert redis_client.zrange("contacts:by:browser:b-sam", 0, -1) == []  # the other identity's index too
    assert ContactHistory(redis_client).get("kim-1") is not None and redis_client.exists(f"{TRACKER_PREFIX}kim-1")


def test_a_conversation_still_waiting_for_a_person_is_not_erased(redis_client, redis_url, monkeypatch, capsys):
    monkeypatch.setenv("REDIS_URL", redis_url)  # the command reads its settings like every other
    ticket = conversation(redis_client, "sam-1", SAM, "queued")
    assert main(["--email", "sam@example.com"]) == 1
    assert f"Not erased: {ticket} still open" in capsys.readouterr().err
    assert ContactHistory(redis_client).get("sam-1") is not None
