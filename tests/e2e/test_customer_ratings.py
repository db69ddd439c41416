"""A customer rates the bot when saying goodbye in the widget (headless Chromium), and a content
owner reads the rating, with what was asked, in the desk's report.

Screenshots: .data/screenshots/widget-rating-bot.png, desk-ratings.png.
"""

from __future__ import annotations

import time


from playwright.sync_api import expect

from reports.ratings import FEEDBACK_KEY, FeedbackLog
from tests.e2e.browser_fixtures import Widget, screenshot
from tests.e2e.desk_fixtures import log_in
from tests.e2e.running import RunningStack
from bench.clients import Customer

QUESTION = "How long does a refund take?"
COMMENT = "<b>Too vague</b>, my card 4111 1111 1111 1234"


def test_a_customer_rates_the_bot_at_goodbye_and_the_rating_reaches_the_report(running_stack: RunningStack, stack_redis, open_page):
    stack_redis.delete(FEEDBACK_KEY)
    widget = Widget(open_page(f"{running_stack.desk_url}/demo"))
    widget.open()
    widget.expect_text("virtual assistant")
    widget.send(QUESTION)
    widget.expect_text("Did that answer your question?")
    widget.send("bye")
    form = widget.log.locator("form.rating")
    expect(form).to_be_visible(timeout=30_000)
    form.locator("label").nth(1).click()  # 2 stars
    form.locator("textarea").fill(COMMENT)
    screenshot(widget.page, "widget-rating-bot")
    form.locator("button").click()
    session = widget.session_id()
    deadline = time.monotonic() + 30
    while not FeedbackLog(stack_redis).rated("bot", session):
        assert time.monotonic() < deadline, "the rating never reached Redis"
        time.sleep(0.2)

    widget.send("goodbye")  # rated already: a goodbye, no second form
    expect(widget.log.locator(".msg.bot", has_text="Goodbye")).to_have_count(2, timeout=30_000)
    expect(widget.log.locator("form.rating")).to_have_count(0)  # the sent form became a thank-you note

    page = open_page(f"{running_stack.desk_url}/desk/login", viewport={"width": 1200, "height": 900})
    log_in(page, running_stack.desk_url, "carl", stack_redis)
    page.get_by_role("link", name="Report").click()
    expect(page.locator(".conversations .tally")).to_contain_text("with a question")  # this one among them
    row = page.locator(".feedback-bot .rating-row").first
    expect(row.locator(".badge")).to_have_text("2★")
    expect(row.locator(".comment")).to_have_text("<b>Too vague</b>, my card [card ending 1234]")
    expect(row).to_contain_text(QUESTION)
    title = running_stack.store().get("refund-timing").title
    screenshot(page, "desk-ratings")
    row.get_by_role("link", name=title).click()
    expect(page.locator("input[name=id]")).to_have_value("refund-timing")  # straight to the entry to fix


def test_a_chat_without_a_question_is_not_asked_for_a_rating(running_stack: RunningStack):
    customer = Customer(running_stack.rasa_url)
    customer.say("hello")
    replies = customer.say("bye")
    assert any("Goodbye" in r.get("text", "") for r in replies)
    assert not any("custom" in r for r in replies)
    asked = Customer(running_stack.rasa_url)
    asked.say(QUESTION)
    assert {"data": {"type": "rating_request", "ticket": ""}} in [r.get("custom") for r in asked.say("bye")]
