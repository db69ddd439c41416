"""Browser fixtures and drivers for end-to-end tests: headless Chromium through Playwright.

Import what a test module needs (`from tests.e2e.browser_fixtures import browser, open_page, ...`);
pytest picks the fixtures up from the module's namespace. `Widget` drives the customer's chat
widget, `Rasa` reads and appends to conversations through Rasa's HTTP API (as the desk does).
"""

from __future__ import annotations

import json
import shutil
import time
from typing import Any, Callable, Iterator

import pytest
import requests
from playwright.sync_api import Browser, Page, expect, sync_playwright

from infra.rasa_client import custom_message
from infra.settings import REPO_ROOT

SCREENSHOTS = REPO_ROOT / ".data" / "screenshots"
# Debian's Chromium when installed (no browser download needed); else Playwright's own.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session (starting it is the slow part)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """`open_page(url, **context_options)`: a page in a fresh browser context (own storage).

    Any JavaScript dialog (alert, confirm) or uncaught page error fails the test: a dialog is
    how injected script would show itself.
    """
    contexts = []
    problems: list[str] = []

    def open_(url: str, **context_options: Any) -> Page:
        context = browser.new_context(**context_options)
        contexts.append(context)
        context.on("page", lambda page: watch(page, problems))
        page = context.new_page()
        page.goto(url)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not problems, problems


def watch(page: Page, problems: list[str]) -> None:
    """Record dialogs (and dismiss them) and uncaught errors of `page`."""
    def on_dialog(dialog: Any) -> None:
        problems.append(f"a {dialog.type} dialog opened: {dialog.message!r}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))


def screenshot(page: Page, name: str) -> None:
    """Save what `page` shows to .data/screenshots/<name>.png (for people to look at)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


class Widget:
    """The customer's chat widget on a page (Playwright's CSS locators pierce its Shadow DOM)."""

    def __init__(self, page: Page, storage_key: str = "support-widget") -> None:
        self.page = page
        self.storage_key = storage_key
        root = page.locator("support-chat-widget")
        self.launcher = root.locator(".launch")
        self.panel = root.locator(".panel")
        self.log = root.locator(".log")
        self.input = root.locator("#input")
        self.status = root.locator(".status")
        self.banner = root.locator(".banner")
        self.badge = root.locator(".badge")

    def open(self) -> None:
        if not self.panel.is_visible():
            self.launcher.click()
        expect(self.panel).to_be_visible()

    def send(self, text: str) -> None:
        """Type `text` and press Enter."""
        self.input.fill(text)
        self.input.press("Enter")

    def buttons(self) -> list[str]:
        """Titles of the buttons the customer can press now (those of the latest message)."""
        return self.log.locator(".msg:not(.old) .qr").all_inner_texts()

    def press(self, title: str) -> None:
        self.log.locator(".msg:not(.old) .qr", has_text=title).first.click()

    def expect_text(self, text: str, timeout: float = 60_000) -> None:
        """Wait until the conversation shows `text`."""
        expect(self.log).to_contain_text(text, timeout=timeout)

    def messages(self, sender: str) -> list[str]:
        """Texts of the messages from `sender`: user, bot or agent."""
        return self.log.locator(f".msg.{sender} .bubble").all_inner_texts()

    def session_id(self, timeout: float = 30.0) -> str:
        """The Rasa sender id of this conversation, once the server confirmed it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            conv = self.page.evaluate(f"localStorage.getItem('{self.storage_key}.conv')")
            if conv and json.loads(conv).get("session"):
                return json.loads(conv)["session"]
            self.page.wait_for_timeout(200)
        raise AssertionError("the widget got no session id")


class Rasa:
    """Rasa's token-guarded HTTP API: read a conversation, push events to the customer."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token

    def events(self, sender: str) -> list[dict[str, Any]]:
        response = requests.get(f"{self.url}/conversations/{sender}/tracker",
                                params={"token": self.token}, timeout=30)
        response.raise_for_status()
        return response.json()["events"]

    def user_events(self, sender: str) -> list[dict[str, Any]]:
        return [e for e in self.events(sender) if e["event"] == "user"]

    def wait_for_user_event(self, sender: str, match: Callable[[dict[str, Any]], bool],
                            timeout: float = 30.0) -> dict[str, Any]:
        """The first user event of `sender` for which `match` is true, polling until it arrives."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [e for e in self.user_events(sender) if match(e)]
            if found:
                return found[0]
            time.sleep(0.3)
        raise AssertionError(f"no matching user event in {sender}'s tracker")

    def push(self, sender: str, events: list[dict[str, Any]]) -> None:
        """Append events and send the bot messages among them out through socket.io, as the desk does."""
        response = requests.post(f"{self.url}/conversations/{sender}/tracker/events", json=events,
                                 params={"token": self.token, "output_channel": "socketio",
                                         "execute_side_effects": "true"}, timeout=30)
        response.raise_for_status()

    def push_custom(self, sender: str, payload: dict[str, Any]) -> None:
        """A custom payload (handoff status, agent message...) in the event the desk sends."""
        self.push(sender, [custom_message(payload)])

    def push_text(self, sender: str, text: str) -> None:
        self.push(sender, [{"event": "bot", "text": text}])
