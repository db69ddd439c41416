"""Service notices end to end: a content owner posts bad news in the desk (headless Chromium) and
customers hear it once, before the bot's reply, on Rasa's REST channel and in the widget, until
it is ended.

Screenshots: .data/screenshots/desk-notices.png, widget-notice.png.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from notices.board import NOTICES_KEY
from tests.e2e.browser_fixtures import Widget, screenshot
from tests.e2e.desk_fixtures import log_in
from tests.e2e.running import RunningStack
from bench.clients import Customer
from tests.support import texts

STORMS = "Deliveries to Scotland are delayed by storms"
PHONES = "Our phone line is closed today <b>for training</b>"
NOTE = "Please note:"


def post_notice(page: Page, text: str, hours: str, categories: tuple[str, ...] = ()) -> None:
    page.fill("textarea[name=text]", text)
    for category in categories:
        page.check(f"input[name=categories][value={category}]")
    page.fill("input[name=hours]", hours)
    page.get_by_role("button", name="Post").click()
    expect(page.locator(".flash")).to_have_text("Posted: customers are told from their next message.")


def test_customers_hear_a_notice_once_before_the_reply_until_it_is_ended(running_stack: RunningStack, stack_redis, open_page):
    stack_redis.delete(NOTICES_KEY)
    page = open_page(f"{running_stack.desk_url}/desk/login", viewport={"width": 1200, "height": 1000})
    log_in(page, running_stack.desk_url, "carl", stack_redis)
    page.get_by_role("link", name="Notices").click()
    try:
        post_notice(page, STORMS, "48", ("delivery",))
        answer = running_stack.store().get("delivery-times").answer.split("\n\n")[0].strip()

        customer = Customer(running_stack.rasa_url)
        replies = customer.say("How long does delivery take?")
        assert replies[0]["text"] == f"{NOTE} {STORMS}. We expect this to be sorted in about 2 days."
        assert answer in texts(replies[1:])
        assert NOTE not in texts(customer.say("What does delivery cost?"))  # once per conversation
        assert NOTE not in texts(Customer(running_stack.rasa_url).say("How long does a refund take?"))  # not about delivery

        post_notice(page, PHONES, "3")
        expect(page.locator(".notice .text").first).to_have_text(PHONES)  # shown as text, tags and all
        screenshot(page, "desk-notices")
        widget = Widget(open_page(f"{running_stack.desk_url}/demo"))
        widget.open()
        widget.expect_text("virtual assistant")  # the greeting, after the notice
        bot = widget.messages("bot")
        assert bot[0] == f"{NOTE} {PHONES}. We expect this to be sorted in about 3 hours."
        assert "virtual assistant" in " ".join(bot[1:])
        screenshot(widget.page, "widget-notice")

        for _ in range(2):
            page.locator(".notice:not(.over)").first.get_by_role("button", name="End now").click()
            expect(page.locator(".flash")).to_have_text("Ended: the bot no longer tells it.")
        expect(page.locator(".notice.over")).to_have_count(2)
        assert NOTE not in texts(Customer(running_stack.rasa_url).say("How long does delivery take?"))
    finally:
        stack_redis.delete(NOTICES_KEY)
