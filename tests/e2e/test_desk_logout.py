"""Desk sessions in a real browser on the stack `make run` starts: after logging out, going back
shows nothing and the old cookie opens nothing; a locked account is told so on the login page."""

from __future__ import annotations

import requests
from playwright.sync_api import expect

from desk.throttle import LOCKS_KEY, LoginThrottle
from tests.e2e.desk_fixtures import PASSWORD, log_in
from tests.e2e.running import RunningStack


def test_after_logout_going_back_or_replaying_the_cookie_is_refused(
        running_stack: RunningStack, stack_redis, open_page):
    desk = running_stack.desk_url
    page = open_page(f"{desk}/desk/login")
    log_in(page, desk, "sue", stack_redis)
    cookie = next(c for c in page.context.cookies() if c["name"] == "desk_session")
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    page.click("form.logout button[type=submit]")
    page.wait_for_url(f"{desk}/desk/login")

    page.go_back()  # desk pages are no-store: the browser asks again and is sent to log in
    page.wait_for_url(f"{desk}/desk/login**")
    expect(page.locator("form.login")).to_be_visible()

    replay = requests.get(f"{desk}/desk/api/queue", cookies={"desk_session": cookie["value"]},
                          headers={"X-CSRF-Token": token}, timeout=10)
    assert replay.status_code == 401


def test_a_locked_account_is_told_when_to_try_again(running_stack: RunningStack, stack_redis, open_page):
    desk = running_stack.desk_url
    page = open_page(f"{desk}/desk/login")
    throttle = LoginThrottle(stack_redis)
    try:
        for _ in range(10):
            stack_redis.zrem(LOCKS_KEY, "user:nobody-here")  # skip the short waits, not the count
            page.fill("input[name=name]", "nobody-here")
            page.fill("input[name=password]", PASSWORD)
            with page.expect_navigation():
                page.click("form.login button[type=submit]")
        expect(page.locator(".error")).to_have_text("Wrong user name or password. "
                                                    "Too many failed attempts; try again in 15 minutes.")
    finally:  # the other tests log in from this address too
        for address in {entry["address"] for entry in throttle.recent(10) if entry["name"] == "nobody-here"}:
            throttle.unlock(f"addr:{address}", by="test")
        throttle.unlock("user:nobody-here", by="test")
