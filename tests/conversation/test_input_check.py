"""What the bot does with empty, huge, binary, HTML and foreign messages."""

from conversation.input_check import check_text


def test_plain_question_passes_unchanged():
    assert check_text("Where is my order?", 1000).problem is None


def test_empty_and_blank():
    assert check_text("", 1000).problem == "empty"
    assert check_text("   \n ", 1000).problem == "empty"


def test_too_long_keeps_the_text():
    checked = check_text("refund " * 500, 1000)
    assert checked.problem == "too_long"
    assert checked.text.startswith("refund refund")


def test_binary_junk_is_not_text():
    assert check_text("\x00\x01\x02\x7f\x1b", 1000).problem == "not_text"


def test_html_is_stripped_for_search():
    checked = check_text("<img src=x onerror=alert(1)> where is my <b>order</b>", 1000)
    assert checked.problem is None
    assert checked.text == "where is my order"


def test_other_script_is_flagged_latin_languages_are_searched():
    assert check_text("我的订单在哪里", 1000).problem == "other_language"
    assert check_text("¿Dónde está mi pedido?", 1000).problem is None
