"""Abuse flags in a real Redis: on verified identities only, found again by any of them."""

from __future__ import annotations

import redis

from customers.flags import FLAG_SECONDS, flag_customer, flag_key, is_flagged

SIGNED = {"id": "c-42", "email": "sam@example.com", "verified": True, "browser_id": "b1"}


def test_a_signed_customer_is_flagged_by_every_verified_identity(redis_client: redis.Redis) -> None:
    flag_customer(redis_client, SIGNED, "s1", "abusive language")
    for identity in ("id:c-42", "email:sam@example.com", "browser:b1"):
        assert redis_client.get(flag_key(identity)) == b"abusive language"
    assert 0 < redis_client.ttl(flag_key("id:c-42")) <= FLAG_SECONDS
    # Another conversation of the same customer (another browser) is flagged too.
    assert is_flagged(redis_client, {**SIGNED, "browser_id": "b2"}, "s2")


def test_an_email_typed_in_the_chat_is_never_flagged(redis_client: redis.Redis) -> None:
    visitor = {"chat_emails": ["kim@example.com"], "email": "kim@example.com", "verified": False}
    flag_customer(redis_client, visitor, "s1", "abusive language")
    assert redis_client.keys("flagged:*") == [flag_key("sender:s1").encode()]
    assert is_flagged(redis_client, {}, "s1")
    assert not is_flagged(redis_client, {"email": "kim@example.com", "id": "c-7", "verified": True}, "s2")
