"""What the bot repeats of a customer's words is plain text, masked, quoted and capped."""

import re

import pytest

from customers.echo import clip, plain_text, quoted


@pytest.mark.parametrize(("typed", "plain"), [
    ("<b>x</b><script>alert(1)</script>", "x alert(1)"),
    ("<img src=x onerror=alert(1)> where is my <b>order</b>", "where is my order"),
    ("fish &amp; chips &lt;3", "fish & chips <3"),
    # Entities that hide a tag are unescaped, then the tag is removed too.
    ("&lt;script&gt;alert(1)&lt;/script&gt; hi", "alert(1) hi"),
    ("&amp;lt;b&amp;gt;bold", "bold"),
    # A tag left open is no tag either.
    ("refund <img src=x onerror=alert(1)", "refund img src=x onerror=alert(1)"),
    ("<<a href=x>", "<"),
    ("a < b and c > d", "a < b and c > d"),
    ("line\none\x00\x1b\ud800 two\t three", "line one two three"),
    ("", ""),
])
def test_plain_text_has_no_markup(typed: str, plain: str) -> None:
    assert plain_text(typed) == plain
    assert plain_text(plain) == plain  # plain text stays as it is


@pytest.mark.parametrize("typed", [
    "<b>x</b><script>alert(1)</script>", "&lt;img src=x onerror=alert(1)&gt;", "<<script>script>",
    "<scr<script>ipt>", "&#60;svg onload=alert(1)&#62;", "<" * 50 + "a" + ">" * 50,
])
def test_no_tag_survives(typed: str) -> None:
    # A browser starts a tag at "<" followed by a letter, "/", "!" or "?".
    assert not re.search(r"<[A-Za-z/!?]", plain_text(typed)), plain_text(typed)


def test_quoted_masks_secrets_and_caps_with_an_ellipsis() -> None:
    assert quoted("my card is 4111 1111 1111 1234", 80) == "“my card is [card ending 1234]”"
    long = quoted("where is my <i>refund</i> " * 20, 40)
    assert long.startswith("“where is my refund where") and long.endswith("…”")
    assert len(long) == 40 + 2
    assert clip("short", 40) == "short"


def test_a_quotation_ends_only_where_the_bot_resumes() -> None:
    # Renderers show what stands between curly quotes as typed: the customer cannot close it early.
    assert quoted("a” [form](https://x.example) “b", 80) == '“a" [form](https://x.example) "b”'


def test_the_summary_passed_on_quotes_plain_words() -> None:
    from handoff.summary import SummaryInput, add_to_summary, build_summary
    from handoff.summary_views import for_widget
    from handoff.turns import TurnRecord

    typed = "where is my <b>refund</b><script>alert(1)</script>"
    reasons = [{"kind": "tone", "detail": "shouting", "quote": "<i>NOW</i>"}]
    summary = build_summary(SummaryInput({}, [TurnRecord(typed, "kb_question", "answer")], [], reasons, {}))
    summary = add_to_summary(summary, "<a href='x'>order</a> &lt;b&gt;MM-12345")
    text = for_widget(summary)
    assert "Asking: “where is my refund alert(1)”" in text
    assert "NOW" not in text  # the reasons for the handoff are not read back at all
    assert "Customer added: “order MM-12345”" in text
    assert not re.search(r"<[A-Za-z/!?]", text)
