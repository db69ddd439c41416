"""Erasing one customer's chat data in a real Redis: everything about them goes, nobody else's."""

from __future__ import annotations

import numpy as np

from customers.contacts import STARTED_KEY, ContactHistory, identities
from handoff.queue import HandoffQueue
from handoff.records import Line
from handoff.summary import Summary
from handoff.turns import TurnLog, TurnRecord
from kb.gaps import GapLog
from kb.outcomes import EntryOutcomes
from notices.board import NoticeBoard
from privacy.erasure import TRACKER_PREFIX, erase_customer, main
from reports.ratings import FeedbackLog

SAM = {"email": "sam@example.com", "browser_id": "b-sam"}
KIM = {"email": "kim@example.com"}
VERSION = "0123456789abcdef"  # an entry's version (kb.store.fingerprint)
VECTOR = np.array([0.1, -0.7, 0.3, 0.6], dtype=np.float32)  # stored as float16 bytes that are not UTF-8


def values(client, key: str) -> list[bytes]:
    """What a string, list or hash key holds (other kinds: nothing)."""
    kind = client.type(key)
    if kind == b"string":
        return [client.get(key)]
    if kind == b"list":
        return client.lrange(key, 0, -1)
    return list(client.hgetall(key).values()) if kind == b"hash" else []


def conversation(client, sender: str, customer: dict, ticket_state: str | None = None) -> str:
    """A conversation with everything the product keeps about it; its ticket, if any."""
    history = ContactHistory(client)
    history.touch(sender, identities(customer), ["refund-timing"], "kb_question", "Where is my refund?")
    TurnLog(client).append(sender, TurnRecord("Where is my refund?", "kb_question", "dont_know"))
    # An answer with its provenance (the entry's version the customer read), and the outcomes it counts.
    TurnLog(client).append(sender, TurnRecord("refund time?", "kb_question", "answer", ["refund-timing"],
                                              version=VERSION))
    EntryOutcomes(client).add([("answered", "refund-timing"), ("helped", "refund-timing")])
    client.set(f"{TRACKER_PREFIX}{sender}", "{}")
    GapLog(client).record("Where is my refund?", "unanswered", [], sender, VECTOR)  # binary in the stream
    FeedbackLog(client).record("bot", sender, 2, "meh", ["Where is my refund?"])
    NoticeBoard(client).to_tell(sender, lambda: [])
    client.set(f"flagged:email:{customer['email']}", "abusive language")
    if ticket_state is None:
        return ""
    queue = HandoffQueue(client)
    lines = [Line("bot", f"{sender}: refunds take 5 days", answer={"entry": "refund-timing", "version": VERSION}),
             Line("customer", "I want a person")]
    handoff = queue.create(lines, sender_id=sender, channel="rest", customer=customer,
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
    kim_ticket = conversation(redis_client, "kim-1", KIM, "resolved")
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
    # The answers Sam read (turn log and transcript, with their versions) went with the rest; Kim's stay.
    assert [t.version for t in TurnLog(redis_client).all("kim-1")] == ["", VERSION]
    assert HandoffQueue(redis_client).transcript(kim_ticket)[0].answer == {"entry": "refund-timing", "version": VERSION}
    assert not [k for k in left if any(b"sam-" in v for v in values(redis_client, k))], "a value names Sam's"
    # Outcomes per entry are counts per entry, nobody's: they stay.
    assert EntryOutcomes(redis_client).table(1)["refund-timing"].answered == 3


def test_a_conversation_still_waiting_for_a_person_is_not_erased(redis_client, redis_url, monkeypatch, capsys):
    monkeypatch.setenv("REDIS_URL", redis_url)  # the command reads its settings like every other
    ticket = conversation(redis_client, "sam-1", SAM, "queued")
    assert main(["--email", "sam@example.com"]) == 1
    assert f"Not erased: {ticket} still open" in capsys.readouterr().err
    assert ContactHistory(redis_client).get("sam-1") is not None
