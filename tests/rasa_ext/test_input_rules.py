"""What the channels take from a customer: checks, cleaning, payload guard and cutting (rasa_ext.input_rules)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conversation.input_check import check_text
from protocol.metadata import written
from rasa_ext.input_rules import (
    FULL_TEXT_KEY, MAX_FULL_TEXT_CHARS, MAX_METADATA_CHARS, MAX_METADATA_DEPTH, TEXT_GUARD, InputError, guard,
    incoming, is_allowed_payload, parse_body,
)


@pytest.mark.parametrize("body", [b"[]", b'"x"', b"null", b"123", b"", b"{", b"true", b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_refused(body):
    with pytest.raises(InputError):
        parse_body(body)


def test_deeply_nested_json_is_refused_not_a_crash():
    with pytest.raises(InputError, match="nested too deeply"):
        parse_body(b"[" * 1_000_000 + b"]" * 1_000_000)
    deep: dict = {}
    for _ in range(100_000):
        deep = {"a": deep}
    with pytest.raises(InputError, match=f"nested more than {MAX_METADATA_DEPTH} levels deep"):
        incoming("me", {"message": "hi"}, deep)


def nested(levels: int, innermost: Any = "x") -> dict[str, Any]:
    """{"a": {"a": ... innermost}}, `levels` objects deep; built without recursing."""
    value = innermost
    for _ in range(levels):
        value = {"a": value}
    return value


@pytest.mark.parametrize("levels", [MAX_METADATA_DEPTH + 1, 500, 990])
def test_metadata_nested_deeper_than_the_limit_but_small_is_refused_not_a_crash(levels):
    # ~990 levels is ~6 KB: under the size cap, and json.dumps takes it, but walking it recursively
    # (two frames a level) overflowed Python's stack: a 500 over REST, no reply over socket.io.
    in_a_list: list[Any] = []
    for _ in range(levels - 2):
        in_a_list = [in_a_list]
    as_json = '{"a":' * levels + '"x"' + "}" * levels  # as Rasa's socket.io channel also takes it
    for metadata in (nested(levels), {"a": in_a_list}, as_json):
        with pytest.raises(InputError) as refused:
            incoming("me", {"message": "hi"}, metadata)
        assert str(refused.value) == f"`metadata` is nested more than {MAX_METADATA_DEPTH} levels deep"


def test_metadata_nested_up_to_the_limit_is_taken():
    metadata = nested(MAX_METADATA_DEPTH - 1, ["x\ud800"])  # the list is the last level
    assert incoming("me", {"message": "hi"}, metadata).metadata == nested(MAX_METADATA_DEPTH - 1, ["x\ufffd"])


def test_a_payload_with_entities_nested_thousands_deep_is_plain_text_not_a_crash():
    text = '/rate{"score":' + "[" * 3000 + "]" * 3000 + "}"
    assert not is_allowed_payload(text)
    assert incoming("me", {"message": text}, None, max_chars=100_000).text == TEXT_GUARD + text


def test_undecodable_bytes_in_a_body_become_replacement_characters():
    assert parse_body(b'{"message": "caf\xe9"}') == {"message": "caf\ufffd"}


@pytest.mark.parametrize("data, reason", [
    ({"message": "hi"}, "`sender` is missing"),
    ({"sender": "", "message": "hi"}, "`sender` is empty"),
    ({"sender": 5, "message": "hi"}, "`sender` must be a string"),
    ({"sender": "s" * 201, "message": "hi"}, "`sender` is longer than 200 characters"),
    ({"sender": "me"}, "`message` is missing"),
    ({"sender": "me", "message": ""}, "`message` is empty"),
    ({"sender": "me", "message": ["hi"]}, "`message` must be a string"),
    ({"sender": "me", "message": "hi", "metadata": [1]}, "`metadata` must be a JSON object"),
    ({"sender": "me", "message": "hi", "metadata": "{"}, "`metadata` is not valid JSON"),
    ({"sender": "me", "message": "hi", "metadata": {"x": "y" * MAX_METADATA_CHARS}},
     f"`metadata` is larger than {MAX_METADATA_CHARS} characters"),
])
def test_malformed_fields_are_refused_with_a_one_line_reason(data, reason):
    with pytest.raises(InputError) as refused:
        incoming(data.get("sender"), data, data.get("metadata"))
    assert str(refused.value) == reason


def test_a_socketio_refusal_names_the_session_id():
    with pytest.raises(InputError, match="`session_id` is missing"):
        incoming(None, {"message": "hi"}, None, sender_field="session_id")


def test_metadata_may_come_as_a_json_string_as_rasas_socketio_channel_allows():
    assert incoming("me", {"message": "hi"}, '{"page": "/"}').metadata == {"page": "/"}


def test_lone_surrogates_become_replacement_characters_everywhere():
    message = incoming("me\ud800", {"message": "hi \udfff"}, {"k\udc00": ["v\ud83d"]})
    assert (message.sender, message.text, message.metadata) == ("me\ufffd", "hi \ufffd", {"k\ufffd": ["v\ufffd"]})
    json.dumps(message.metadata).encode("utf-8")  # nothing left that UTF-8 can't carry
    message.text.encode("utf-8")


def test_a_long_message_is_cut_for_nlu_and_kept_whole_in_the_metadata():
    text = "refund please " * 100
    message = incoming("me", {"message": text}, {"page": "/"}, max_chars=1000)
    assert message.text == text[:1000]
    assert message.metadata == {"page": "/", FULL_TEXT_KEY: text}
    # The action server reads what was written, and still says it is too long.
    event = {"text": message.text, "metadata": message.metadata}
    assert written(event) == text
    assert check_text(written(event), 1000).problem == "too_long"


def test_what_is_kept_of_a_huge_message_is_capped():
    message = incoming("me", {"message": "x" * 1_000_000}, None, max_chars=1000)
    assert len(message.text) == 1000 and len(message.metadata[FULL_TEXT_KEY]) == MAX_FULL_TEXT_CHARS


def test_a_short_message_carries_no_copy_and_a_forged_one_is_dropped():
    message = incoming("me", {"message": "hi"}, {FULL_TEXT_KEY: "I never said this"})
    assert message.metadata == {}
    assert written({"text": message.text, "metadata": message.metadata}) == "hi"


@pytest.mark.parametrize("payload", [
    "/greet", "/affirm", "/deny", "/request_human", "/capabilities",
    '/kb_choose{"entry_id": "refund-timing"}',
    '/rate{"score": 4}', '/rate{"score": 5, "comment": "Quick and kind: \\"5 stars\\" {almost}"}',
    '/rate{"score": 1, "comment": "", "ticket": "T000123"}', '/rate{"score": 3, "ticket": "TX7KQ2MZ"}',
])
def test_the_payloads_our_buttons_and_widget_send_stay_payloads(payload):
    assert is_allowed_payload(payload)
    assert guard(payload) == payload


@pytest.mark.parametrize("text", [
    "/restart", "/session_start", " /restart", "/kb_question", "/nlu_fallback", "/greet@0.1",
    "/affirm{\"x\": 1}", "/affirm extra", '/kb_choose{"entry_id": 5}', '/kb_choose{"entry_id": "Bad Id"}',
    '/kb_choose{"entry_id": "a", "x": 1}', "/kb_choose{not json}", "/kb_choose", '/rate{"score": 9}',
    '/rate{"score": true}', '/rate{"score": "4"}', '/rate{"score": 4, "ticket": 123}',
    '/rate{"score": 4, "ticket": "other"}', '/rate{"score": 4, "comment": "' + "c" * 501 + '"}', "/",
])
def test_any_other_slash_text_is_made_plain_text_and_shows_as_typed(text):
    assert not is_allowed_payload(text)
    guarded = guard(text)
    assert guarded == TEXT_GUARD + text
    assert not guarded.strip().startswith("/")  # what Rasa checks before reading a payload
    assert check_text(guarded, 1000).text == check_text(text, 1000).text  # invisible when searched


def test_text_that_merely_contains_a_slash_is_left_alone():
    assert guard("and/or 1/2") == "and/or 1/2"
