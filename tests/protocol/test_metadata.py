"""The text as the customer wrote it, from a message's metadata or its (uncut) text."""

from __future__ import annotations

from protocol.metadata import FULL_TEXT_KEY, written


def test_written_prefers_the_full_text_in_the_metadata() -> None:
    message = {"text": "cut short", "metadata": {FULL_TEXT_KEY: "cut short, and the rest"}}
    assert written(message) == "cut short, and the rest"


def test_written_falls_back_to_the_text() -> None:
    assert written({"text": "hello", "metadata": {FULL_TEXT_KEY: 5}}) == "hello"
    assert written({"text": "hello", "metadata": "not a mapping"}) == "hello"
    assert written({"text": None}) == ""
    assert written({}) == ""
