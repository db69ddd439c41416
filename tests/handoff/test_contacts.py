"""Contact history: conversations found again by any identity."""

import time

from handoff.contacts import ABANDONED_AFTER_SECONDS, RETENTION_SECONDS, STARTED_KEY, ContactHistory, identities


def test_identities_from_what_the_site_and_chat_told_us():
    keys = identities({"id": "c1", "email": " Sam@Example.com ", "orders": ["MM-1"], "browser_id": "b9"})
    assert keys == ["id:c1", "email:sam@example.com", "order:MM-1", "browser:b9"]


def test_earlier_contacts_are_found_by_any_shared_identity(redis_client):
    history = ContactHistory(redis_client)
    history.touch("conv1", ["email:sam@example.com"], entries=["refund-timing"], topic="my refund")
    history.touch("conv2", ["order:MM-1"], topic="where is my order")
    history.set_outcome("conv2", "resolved")
    history.touch("other", ["email:bob@example.com"])
    found = history.earlier(["email:sam@example.com", "order:MM-1"], since=time.time() - 3600, exclude="conv3")
    assert [c.sender_id for c in found] == ["conv1", "conv2"]
    assert found[0].topic == "my refund" and found[0].entries == ["refund-timing"]
    assert found[1].outcome == "resolved"


def test_a_long_silent_open_conversation_counts_as_abandoned(redis_client):
    contact = ContactHistory(redis_client).touch("c", ["id:1"])
    assert contact.effective_outcome(time.time()) == "open"
    assert contact.effective_outcome(time.time() + ABANDONED_AFTER_SECONDS + 1) == "abandoned"


def test_a_handoff_on_the_first_message_is_remembered_with_its_ticket(redis_client):
    history = ContactHistory(redis_client)
    history.set_outcome("first-turn", "handed_off", "T000009")  # before the turn is recorded
    history.touch("first-turn", ["email:kim@example.com"], intent="request_human")
    [found] = history.earlier(["email:kim@example.com"], since=time.time() - 60, exclude="later")
    assert (found.outcome, found.ticket) == ("handed_off", "T000009")


def test_the_indexes_forget_conversations_past_retention(redis_client):
    history = ContactHistory(redis_client)
    history.touch("old", ["email:kim@example.com"])
    redis_client.zadd("contacts:by:email:kim@example.com", {"old": time.time() - RETENTION_SECONDS - 60})
    redis_client.zadd(STARTED_KEY, {"old": time.time() - RETENTION_SECONDS - 60})
    history.touch("new", ["email:kim@example.com"])
    assert [s.decode() for s in redis_client.zrange("contacts:by:email:kim@example.com", 0, -1)] == ["new"]
    assert [s.decode() for s in redis_client.zrange(STARTED_KEY, 0, -1)] == ["new"]
