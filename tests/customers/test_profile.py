"""The `customer` slot: the website's details count only when signed; the chat's never do."""

from __future__ import annotations

from typing import Any

import pytest

from customers.contacts import unverified_identities, verified_identities
from customers.identity import sign
from customers.profile import customer_after

SECRET = "test-identity-secret"
SAM = {"id": "c-42", "name": "Sam", "email": "sam@example.com"}


def message(text: str, metadata: Any, slot: dict[str, Any] | None = None) -> tuple[dict[str, Any] | None, Any, str]:
    """The `customer` slot so far, and a message's metadata and text."""
    return slot, metadata, text


def customer_from(slot: dict[str, Any] | None, metadata: Any, text: str) -> dict[str, Any]:
    return customer_after(slot, metadata, text, SECRET)


def test_a_signed_customer_is_verified():
    customer = customer_from(*message("hi", {"customer": {**SAM, "signature": sign(SECRET, "c-42", "Sam@Example.com")},
                                             "browser_id": "b1"}))
    assert customer == {**SAM, "verified": True, "browser_id": "b1"}
    assert verified_identities(customer) == ["id:c-42", "email:sam@example.com", "browser:b1"]


@pytest.mark.parametrize("signature", [None, "", "0" * 64, sign("another-secret", "c-42", "sam@example.com"),
                                       sign(SECRET, "c-42", "kim@example.com"), 12345, {"a": 1}])
def test_an_unsigned_or_wrongly_signed_customer_is_only_claimed(signature):
    given = {**SAM, **({"signature": signature} if signature is not None else {})}
    customer = customer_from(*message("hi", {"customer": given, "browser_id": "b1"}))
    assert customer["verified"] is False and customer["email"] == "sam@example.com"  # shown to the agent as such
    assert verified_identities(customer) == ["browser:b1"]
    assert unverified_identities(customer) == ["unverified:id:c-42", "unverified:email:sam@example.com"]


def test_a_signed_identity_holds_only_while_messages_carry_its_signature():
    verified = {**SAM, "verified": True, "browser_id": "b1", "orders": ["MM-48213"]}
    # Signed out on a shared computer: the widget keeps the conversation and sends `customer: {}`,
    # a REST client may send no metadata at all; either way nobody is signed in any more.
    for metadata in ({"customer": {}, "browser_id": "b1"}, {"browser_id": "b1"}, None):
        guest = customer_from(*message("my ticket", metadata, verified))
        assert guest == {"browser_id": "b1", "orders": ["MM-48213"]}  # what the chat gave stays
        assert verified_identities(guest) == ["browser:b1"] and unverified_identities(guest) == ["unverified:order:MM-48213"]
    # Someone else's unsigned (or wrongly signed) claim replaces it, but only as a claim.
    kim = {"id": "c-7", "email": "kim@example.com"}
    for signature in ({}, {"signature": sign(SECRET, "c-42", "sam@example.com")}):
        claimed = customer_from(*message("hi", {"customer": {**kim, **signature}}, verified))
        assert {k: claimed.get(k) for k in ("id", "email", "name", "verified")} == {**kim, "name": None, "verified": False}
        assert verified_identities(claimed) == ["browser:b1"]
    # Signed again (or someone else signed): verified from that message on.
    signed_kim = {**kim, "signature": sign(SECRET, "c-7", "kim@example.com")}
    again = customer_from(*message("hi", {"customer": signed_kim}, {"browser_id": "b1"}))
    assert again == {**kim, "verified": True, "browser_id": "b1"}


def test_identities_typed_in_the_chat_are_kept_apart_and_never_verified():
    customer = customer_from(*message("I'm sam@example.com, order #MM-48213", {"browser_id": "b1"}))
    assert "email" not in customer and customer["chat_emails"] == ["sam@example.com"]
    assert customer["orders"] == ["MM-48213"]
    assert verified_identities(customer) == ["browser:b1"]
    assert unverified_identities(customer) == ["unverified:email:sam@example.com", "unverified:order:MM-48213"]


@pytest.mark.parametrize("metadata", [None, [], "x", {"customer": "sam"}, {"customer": {"email": ["x"]}, "browser_id": 7}])
def test_malformed_metadata_is_ignored(metadata):
    assert customer_from(*message("hello", metadata)) == {}
