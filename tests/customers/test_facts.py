"""Masking of secrets: a value given is hidden; a question about a password keeps its words."""

import pytest

from customers.facts import mask_secrets


@pytest.mark.parametrize(("text", "masked"), [
    ("my password is hunter2", "my password is [hidden]"),
    ("password: letmein", "password: [hidden]"),
    ("pin=1234", "pin=[hidden]"),
    ("my pin 4321 doesn't work", "my pin [hidden] doesn't work"),
    ("the cvv was 123.", "the cvv was [hidden]"),
    ("my password Tr0ub4dor&3 was rejected", "my password [hidden] was rejected"),
])
def test_a_secret_given_is_hidden(text: str, masked: str) -> None:
    assert mask_secrets(text) == masked


@pytest.mark.parametrize("text", [
    "How do I reset my password?",
    "I forgot my password and can't log in",
    "what is a PIN for?",
    "change my password please",
])
def test_words_around_a_secret_s_name_are_kept(text: str) -> None:
    assert mask_secrets(text) == text
