"""The whole handoff in two browsers: a customer in the widget on the demo page, an agent in the
desk. The agent's reply shows in the widget, the customer's reply in the desk; the agent
resolves; the widget asks for a rating, which is stored with the handoff and in the ratings report."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from reports.ratings import FeedbackLog
from handoff.queue import HandoffQueue
from tests.e2e.browser_fixtures import Widget, screenshot
from tests.e2e.running import RunningStack
from tests.e2e.desk_fixtures import log_in


def test_customer_in_the_widget_and_agent_in_the_desk_talk_then_rate(running_stack: RunningStack, stack_redis, open_page):
    desk = open_page(f"{running_stack.desk_url}/desk/login", viewport={"width": 1200, "height": 1000})
    log_in(desk, running_stack.desk_url, "alice", stack_redis)
    widget = Widget(open_page(f"{running_stack.desk_url}/demo"))
    widget.open()
    session = widget.session_id()

    widget.send("I want to talk to a human, please")
    widget.expect_text("Your ticket number is")
    expect(widget.status).to_contain_text("1", timeout=30_000)  # place in line, from handoff_status
    handoff = HandoffQueue(stack_redis).open_for(session)
    assert handoff is not None and handoff.channel == "socketio"
    screenshot(widget.page, "handoff-1-widget-queued")

    row = desk.locator("#waiting .row", has_text=handoff.ticket)
    expect(row).to_be_visible(timeout=15_000)
    row.locator("button.claim").click()
    desk.wait_for_url(f"**/desk/conversations/{handoff.ticket}")
    widget.expect_text("Alice")  # agent_joined

    desk.fill("form.compose[data-action=message] textarea", "Hello, I'm Alice. What happened?")
    desk.press("form.compose[data-action=message] textarea", "Enter")
    widget.expect_text("Hello, I'm Alice. What happened?")
    assert "Hello, I'm Alice. What happened?" in widget.messages("agent")

    widget.send("My order MM-48213 arrived broken")
    expect(desk.locator("#transcript .line.customer", has_text="My order MM-48213 arrived broken")).to_be_visible(timeout=30_000)
    # While the agent has the chat, the bot stays silent: no bot reply to that message.
    desk.wait_for_timeout(1500)
    assert not any("MM-48213" in m for m in widget.messages("bot"))
    screenshot(desk, "handoff-2-desk-chat")

    desk.click("button[data-action=resolve]")
    form = widget.log.locator("form.rating")
    expect(form).to_be_visible(timeout=30_000)
    form.locator("label").nth(4).click()
    form.locator("textarea").fill("Sorted in minutes")
    screenshot(widget.page, "handoff-3-widget-rating")
    form.locator("button").click()
    expect(desk.locator("#rating")).to_contain_text("5/5", timeout=40_000)
    stored = HandoffQueue(stack_redis).get(handoff.ticket)
    assert stored.state == "resolved" and stored.rating == {**stored.rating, "score": 5, "comment": "Sorted in minutes"}
    # ... and in the ratings report, with the agent who had the chat.
    [rating] = [r for r in FeedbackLog(stack_redis).since(time.time() - 600) if r.ticket == handoff.ticket]
    assert (rating.kind, rating.agent, rating.score) == ("agent", "alice", 5)
