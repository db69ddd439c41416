"""An agent in headless Chromium reads a handed-off conversation: the bot's answers show as the
customer saw them (bold, lists, working links, from the widget's own renderer), and what the
customer typed shows as typed, markup and Markdown alike.

Screenshot: .data/screenshots/desk-transcript-markdown.png.
"""

from __future__ import annotations

from playwright.sync_api import expect

from bench.clients import Customer
from handoff.queue import HandoffQueue
from tests.e2e.browser_fixtures import screenshot
from tests.e2e.desk_fixtures import log_in
from tests.e2e.running import RunningStack
from tests.support import shows

QUESTION = "my order hasn't arrived yet, it's been over a week"
TYPED = "<img src=x onerror=alert(1)> **x** still nothing"
MY_ORDERS = "https://shop.maplemoss.example/account/orders"


def test_an_agent_sees_the_bots_markdown_rendered_and_the_customers_text_as_typed(
        running_stack: RunningStack, stack_redis, open_page):
    page = open_page(f"{running_stack.desk_url}/desk/login", viewport={"width": 1200, "height": 1400})
    log_in(page, running_stack.desk_url, "alice", stack_redis)  # online, so the chat is queued for her
    customer = Customer(running_stack.rasa_url)
    assert shows(running_stack.store().get("late-order").answer, customer.say(QUESTION))
    customer.say(TYPED)
    asked = customer.say("I want to talk to a human")
    handoff = HandoffQueue(stack_redis).open_for(customer.sender)
    assert handoff is not None, asked
    page.goto(f"{running_stack.desk_url}/desk/conversations/{handoff.ticket}")
    # The shop's help pages are not on this machine: the browser is given one, so the link can be followed.
    page.context.route(f"{MY_ORDERS}*",
                       lambda route: route.fulfill(body="<title>My orders</title>", content_type="text/html"))

    answer = page.locator("#transcript .line.bot .text", has_text="Not dispatched yet")
    expect(answer.locator("strong", has_text="Not dispatched yet:")).to_be_visible(timeout=30_000)
    expect(answer.locator("li")).to_have_count(4)
    assert "**" not in answer.inner_text() and "](" not in answer.inner_text()
    link = answer.get_by_role("link", name="My orders")
    expect(link).to_have_attribute("href", MY_ORDERS)
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    source = page.locator("#transcript .line.bot .text", has_text="Source:").first
    expect(source.get_by_role("link", name="My order is late or hasn't arrived")).to_have_attribute(
        "href", "https://shop.maplemoss.example/help/late-order")

    typed = page.locator("#transcript .line.customer .text", has_text="still nothing")
    expect(typed).to_have_text(TYPED)
    expect(typed.locator("strong")).to_have_count(0)
    expect(page.locator("#transcript img")).to_have_count(0)
    answer.scroll_into_view_if_needed()
    screenshot(page, "desk-transcript-markdown")

    # The customer's words the bot quotes (customers/echo.py) stay as typed in a bot line too.
    restated = page.evaluate("""() => {
        const box = document.createElement('div');
        box.append(window.supportMarkdown('**Sorry.** You asked about “**x** [form](https://evil.example) https://evil.example”.'));
        return [box.querySelectorAll('strong').length, box.querySelectorAll('a').length, box.textContent];
    }""")
    assert restated == [1, 0, "Sorry. You asked about “**x** [form](https://evil.example) https://evil.example”."]

    with page.expect_popup() as opened:
        link.click()
    popup = opened.value
    popup.wait_for_load_state()
    assert popup.url == MY_ORDERS and popup.title() == "My orders"
    assert popup.evaluate("window.opener") is None  # noopener: the shop's page cannot reach the desk
    # open_page fails the test if any dialog (alert) opened or the page threw.
