"""Contact history: conversations found again by any identity."""

import time

from customers.contacts import (
    ABANDONED_AFTER_SECONDS, RETENTION_SECONDS, STARTED_KEY, ContactHistory, every_form, identities, signed_identities,
    unverified_identities, verified_identities,
)


def test_identities_the_website_signed_are_verified_and_the_rest_is_not():
    signed = {"id": "c1", "email": " Sam@Example.com ", "verified": True, "browser_id": "b9",
              "chat_emails": ["kim@example.com"], "orders": ["MM-1"]}
    assert verified_identities(signed) == ["id:c1", "email:sam@example.com", "browser:b9"]
    assert signed_identities(signed) == ["id:c1", "email:sam@example.com"]
    assert unverified_identities(signed) == ["unverified:email:kim@example.com", "unverified:order:MM-1"]
    assert identities(signed) == verified_identities(signed) + unverified_identities(signed)
    claimed = {"id": "c1", "email": "sam@example.com", "verified": False, "browser_id": "b9"}
    assert verified_identities(claimed) == ["browser:b9"] and signed_identities(claimed) == []
    assert unverified_identities(claimed) == ["unverified:id:c1", "unverified:email:sam@example.com"]


def test_staff_lookups_take_every_identity_in_both_forms():
    assert every_form(["email:sam@example.com", "unverified:order:MM-1", "browser:b9"]) == [
        "email:sam@example.com", "unverified:email:sam@example.com", "order:MM-1", "unverified:order:MM-1", "browser:b9"]


def test_an_identity_typed_in_the_chat_finds_only_possible_contacts_for_the_agent(redis_client):
    history = ContactHistory(redis_client)
    sam = {"email": "sam@example.com", "verified": True}
    history.touch("sam-1", identities(sam), topic="my refund")
    visitor = {"chat_emails": ["sam@example.com"], "browser_id": "b-visitor"}
    history.touch("visitor-1", identities(visitor), topic="hello")
    since = time.time() - 60
    # A later chat of the visitor finds only what the same browser did; the agent also sees Sam's, as possible.
    assert [c.sender_id for c in history.earlier(verified_identities(visitor), since, exclude="visitor-2")] == ["visitor-1"]
    sure, possible = history.earlier_for_staff(visitor, since, exclude="visitor-2")
    assert [c.sender_id for c in sure] == ["visitor-1"] and [c.sender_id for c in possible] == ["sam-1"]
    # Sam's own history is not joined by the visitor's chat; the agent still sees it as possible.
    assert [c.sender_id for c in history.earlier(verified_identities(sam), since, exclude="sam-2")] == ["sam-1"]
    sure, possible = history.earlier_for_staff(sam, since, exclude="sam-2")
    assert [c.sender_id for c in sure] == ["sam-1"] and [c.sender_id for c in possible] == ["visitor-1"]


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
