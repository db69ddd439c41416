"""The website chat widget in headless Chromium, on the demo store page, against the real stack.

Each test opens the demo page in a fresh browser context (its own localStorage, so its own
conversation). Screenshots of each state go to .data/screenshots/.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.browser_fixtures import Rasa, Widget, screenshot
from tests.e2e.running import RunningStack

GREETING = "virtual assistant"
ANSWERED = "Did that answer your question?"
CLARIFY = "Which one fits your question best?"
# Short and ambiguous: several entries are about as close, so the bot asks which one.
AMBIGUOUS = "delivery"


@pytest.fixture
def rasa(running_stack: RunningStack) -> Rasa:
    return Rasa(running_stack.rasa_url, running_stack.settings.rasa_token)


@pytest.fixture
def demo(running_stack: RunningStack, open_page):
    """`demo(**context_options)`: the demo store page with its widget, in a fresh browser context."""
    return lambda **options: Widget(open_page(f"{running_stack.desk_url}/demo", **options))


def greeted(widget: Widget) -> str:
    """Open the widget, wait for the bot's greeting; the conversation's session id."""
    widget.open()
    widget.expect_text(GREETING)
    return widget.session_id()


def test_a_question_gets_its_answer_and_source_and_a_clarify_button_gets_that_answer(demo, running_stack):
    widget = demo()
    expect(widget.launcher).to_be_visible()
    screenshot(widget.page, "1-closed")
    greeted(widget)
    screenshot(widget.page, "2-open")

    entry = running_stack.store().get("refund-timing")
    widget.send("How long does a refund take?")
    widget.expect_text(f"Source: {entry.title}")
    widget.expect_text(ANSWERED)
    assert widget.buttons()[:2] == ["Yes", "No"]
    screenshot(widget.page, "3-answer-with-buttons")

    widget.send(AMBIGUOUS)
    widget.expect_text(CLARIFY)
    choices = widget.buttons()
    assert len(choices) >= 3 and choices[-1] == "None of these"
    screenshot(widget.page, "4-clarify")
    sources = widget.log.locator(".msg.bot .bubble", has_text=f"Source: {choices[0]}")
    shown_before = sources.count()
    widget.press(choices[0])
    expect(sources).to_have_count(shown_before + 1)  # buttons are named by their entries' titles
    assert widget.messages("user")[-1] == choices[0]  # the title shows as what the customer said


def test_the_conversation_survives_a_reload_and_goes_on(demo, running_stack):
    widget = demo()
    session = greeted(widget)
    widget.send("How long does a refund take?")
    widget.expect_text(ANSWERED)
    before = widget.log.inner_text()

    widget.page.reload()
    expect(widget.panel).to_be_visible()  # it was open in this tab, so it opens again
    assert widget.log.inner_text() == before
    assert widget.session_id() == session
    widget.send("Can I change my delivery address?")
    widget.expect_text(f"Source: {running_stack.store().get('change-delivery-address').title}")


def test_after_the_signed_in_customer_signs_out_the_next_visitor_starts_a_new_conversation(
        running_stack, open_page):
    widget = Widget(open_page(f"{running_stack.desk_url}/demo?customer=sam"))
    widget.open()
    widget.expect_text("Sam Green")  # "Hi Sam Green!", or "Welcome back, Sam Green" after other tests
    signed_in = widget.session_id()
    widget.send("How long does a refund take?")
    widget.expect_text(ANSWERED)

    widget.page.goto(f"{running_stack.desk_url}/demo")  # signed out: the page passes no customer
    widget.open()
    widget.expect_text(GREETING)
    assert widget.session_id() != signed_in
    assert "How long does a refund take?" not in widget.log.inner_text()


def test_a_second_tab_shows_the_same_conversation_and_can_continue_it(demo):
    widget = demo()
    greeted(widget)
    second = Widget(widget.page.context.new_page())
    second.page.goto(widget.page.url)
    second.open()
    second.expect_text(GREETING, timeout=10_000)
    second.send("How long does a refund take?")
    for tab in (widget, second):
        tab.expect_text(ANSWERED)
    assert widget.log.inner_text() == second.log.inner_text()


def test_what_is_typed_offline_is_sent_once_when_the_connection_is_back(demo, rasa):
    widget = demo()
    session = greeted(widget)
    widget.page.context.set_offline(True)
    expect(widget.banner).to_be_visible()
    text = "How long does a refund take?"
    widget.send(text)
    expect(widget.log.locator(".msg.user .state").last).to_have_text("Waiting to send")
    screenshot(widget.page, "5-offline")
    widget.page.wait_for_timeout(1000)
    assert not [e for e in rasa.user_events(session) if e["text"] == text]

    widget.page.context.set_offline(False)
    expect(widget.banner).to_be_hidden(timeout=30_000)
    widget.expect_text(ANSWERED)
    expect(widget.log.locator(".msg.user .state").last).to_have_text("")
    widget.send("thanks")  # one more round trip, so a late duplicate would have arrived by now
    widget.expect_text("welcome")
    assert [e["text"] for e in rasa.user_events(session)].count(text) == 1


def test_handoff_messages_from_the_desk_are_shown_and_the_rating_reaches_rasa(demo, rasa):
    widget = demo()
    session = greeted(widget)

    rasa.push_custom(session, {"type": "handoff_status", "state": "queued", "position": 3,
                               "eta_minutes": 2, "ticket": "T000123"})
    expect(widget.status).to_have_text("Connecting you to a person… you are number 3, about 2 min.")
    rasa.push_custom(session, {"type": "agent_joined", "agent": "Alice"})
    widget.expect_text("Alice joined the chat.")
    expect(widget.status).to_have_text("You are chatting with Alice.")
    rasa.push_custom(session, {"type": "agent_message", "agent": "Alice", "text": "Hi, I'm <b>Alice</b>. **How** can I help?"})
    agent = widget.log.locator(".msg.agent").last
    expect(agent.locator(".who")).to_have_text("Alice")
    expect(agent.locator(".bubble")).to_have_text("Hi, I'm <b>Alice</b>. **How** can I help?")  # as typed
    screenshot(widget.page, "6-handoff")

    rasa.push_custom(session, {"type": "handoff_ended", "to": "bot"})
    widget.expect_text("You are back with the virtual assistant.")
    expect(widget.status).to_be_hidden()
    rasa.push_custom(session, {"type": "rating_request", "ticket": "T000123"})
    form = widget.log.locator("form.rating")
    expect(form).to_be_visible()
    form.locator("label").nth(3).click()
    form.locator("textarea").fill('Quick and kind: "5 stars" {almost}')
    screenshot(widget.page, "7-rating")
    form.locator("button").click()
    widget.expect_text("Thank you for your feedback!")

    event = rasa.wait_for_user_event(session, lambda e: e["text"].startswith("/rate"))
    assert json.loads(event["text"][len("/rate"):]) == {"score": 4, "comment": 'Quick and kind: "5 stars" {almost}',
                                                      "ticket": "T000123"}
    assert event["parse_data"]["intent"]["name"] == "rate"
    assert {e["entity"]: e["value"] for e in event["parse_data"]["entities"]}["score"] == 4


def test_markup_is_shown_as_text_and_never_runs(demo, rasa):
    widget = demo()
    session = greeted(widget)
    attacks = ["<img src=x onerror=alert(1)>", "<script>alert(1)</script>"]
    for attack in attacks:
        widget.send(attack)
        expect(widget.log.locator(".msg.user .bubble").last).to_have_text(attack)
    # The bot's own texts get Markdown, but links only to http(s) and never raw HTML.
    rasa.push_text(session, "<img src=y onerror=alert(2)> [click](javascript:alert(3)) **bold** [ok](https://example.com)")
    bot = widget.log.locator(".msg.bot .bubble").last
    expect(bot).to_contain_text("<img src=y onerror=alert(2)> [click](javascript:alert(3)) bold ok")
    expect(bot.locator("strong")).to_have_text("bold")
    links = bot.locator("a")
    expect(links).to_have_count(1)
    expect(links).to_have_attribute("href", "https://example.com")
    expect(links).to_have_attribute("rel", "noopener noreferrer")
    expect(links).to_have_attribute("target", "_blank")
    assert widget.page.locator("support-chat-widget img, support-chat-widget script").count() == 0
    widget.page.wait_for_timeout(500)  # a dialog would fail the test (open_page watches for it)


def test_the_widget_works_with_the_keyboard_alone(demo):
    widget = demo()
    page = widget.page
    for _ in range(30):  # Tab through the store page to the chat bubble
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement?.shadowRoot?.activeElement?.id") == "launch":
            break
    else:
        raise AssertionError("Tab never reached the chat bubble")
    page.keyboard.press("Enter")
    expect(widget.input).to_be_focused()
    widget.expect_text(GREETING)
    page.keyboard.type("How long does a refund take?")
    page.keyboard.press("Enter")
    widget.expect_text(ANSWERED)
    yes = widget.log.locator(".msg:not(.old) .qr", has_text="Yes")
    for _ in range(10):  # back from the text box to the answer's buttons
        page.keyboard.press("Shift+Tab")
        if yes.evaluate("b => b.getRootNode().activeElement === b"):
            break
    else:
        raise AssertionError("Shift+Tab never reached the Yes button")
    page.keyboard.press("Enter")
    expect(widget.log.locator(".msg.user .bubble").last).to_have_text("Yes")
    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_focused()


def test_on_a_phone_the_panel_fills_the_screen(demo):
    widget = demo(viewport={"width": 375, "height": 720}, is_mobile=True, has_touch=True)
    greeted(widget)
    box = widget.panel.bounding_box()
    assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 375, 720)
    expect(widget.launcher).to_be_hidden()
    screenshot(widget.page, "8-phone")


def test_replies_while_closed_show_an_unread_count(demo, rasa):
    widget = demo()
    session = greeted(widget)
    widget.page.keyboard.press("Escape")
    rasa.push_text(session, "A message while you were away.")
    expect(widget.badge).to_have_text("1")
    expect(widget.launcher).to_have_attribute("aria-label", "Open chat, 1 unread")
    widget.open()
    expect(widget.badge).to_be_hidden()
