"""A content owner writes, edits, deletes and restores an entry in the desk (headless Chromium);
customers on Rasa's REST channel get each change at the next question, with no restart or retraining.

Screenshots: .data/screenshots/desk-kb-editor*.png.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from kb.gaps import GAPS_KEY
from tests.e2e.browser_fixtures import screenshot
from tests.e2e.desk_fixtures import log_in
from tests.e2e.running import RunningStack
from bench.clients import Customer
from tests.support import button_titles, texts

ASKED = "Can I pay for my order with bitcoin?"
ANSWER = "We don't take bitcoin or other cryptocurrencies yet: cards, PayPal and gift cards work."
EDITED = "Since today we take bitcoin at checkout, through our payment partner."


def ask(running_stack: RunningStack, question: str) -> str:
    """A new customer's question; when the bot offers choices, the new entry's button is pressed."""
    customer = Customer(running_stack.rasa_url)
    replies = customer.say(question)
    if "Paying with cryptocurrency" in button_titles(replies):
        replies = customer.press(replies, "Paying with cryptocurrency")
    return texts(replies)


def fill_entry(page: Page) -> None:
    page.fill("input[name=id]", "crypto-payments")
    page.fill("input[name=title]", "Paying with cryptocurrency")
    page.fill("textarea[name=questions]", page.input_value("textarea[name=questions]")
              + "\nDo you accept cryptocurrency?\nCan I use Ethereum or other crypto to pay?")
    page.fill("textarea[name=answer]", ANSWER)
    page.fill("input[name=category]", "payments")
    page.fill("input[name=owner]", "payments-team")
    page.fill("input[name=related]", "payment-methods")


def test_an_entry_written_from_an_unanswered_question_is_answered_edited_deleted_and_restored(
        running_stack: RunningStack, stack_redis, open_page):
    stack_redis.delete(GAPS_KEY)
    customer = Customer(running_stack.rasa_url)
    replies = customer.say(ASKED)  # the closest entries are offered: none of them fits
    assert "Which one fits" in texts(replies) and "Paying with cryptocurrency" not in button_titles(replies)
    customer.press(replies, "None of these")

    page = open_page(f"{running_stack.desk_url}/desk/login", viewport={"width": 1200, "height": 1100})
    log_in(page, running_stack.desk_url, "carl", stack_redis)
    page.get_by_role("link", name="What customers asked that the knowledge base could not answer").click()
    page.locator(".gap", has_text=ASKED).get_by_role("link", name="Write an entry for it").click()
    expect(page.locator("textarea[name=questions]")).to_have_value(ASKED)  # the customer's words, ready
    fill_entry(page)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_have_text("Saved: the bot answers with it now.")
    screenshot(page, "desk-kb-editor")

    try:
        replies = ask(running_stack, "Do you take bitcoin?")
        assert ANSWER in replies and "Paying with cryptocurrency" in replies

        page.fill("textarea[name=answer]", EDITED)
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".flash")).to_be_visible()
        assert EDITED in ask(running_stack, "Do you take bitcoin?")
        # The version before the edit is kept and can be loaded back into the form.
        page.locator(".versions li").first.get_by_role("link", name="Load into the form").click()
        expect(page.locator("textarea[name=answer]")).to_have_value(ANSWER)
        expect(page.locator(".loaded")).to_contain_text("by carl")

        # A second entry that repeats one of its questions is saved, with a warning on both sides.
        page.goto(f"{running_stack.desk_url}/desk/kb/entries/new")
        page.fill("input[name=id]", "bitcoin-refunds")
        page.fill("input[name=title]", "Refunds of bitcoin payments")
        page.fill("textarea[name=questions]", "Do you accept cryptocurrencies?\nHow are bitcoin payments refunded?\nBitcoin refund")
        page.fill("textarea[name=answer]", "Bitcoin payments are refunded in pounds to your card.")
        page.fill("input[name=category]", "refunds")
        page.fill("input[name=owner]", "payments-team")
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".overlaps")).to_contain_text("Paying with cryptocurrency")
        screenshot(page, "desk-kb-editor-overlap")
        page.get_by_role("link", name="All entries").click()
        expect(page.locator(".overlaps .overlap")).to_contain_text("Refunds of bitcoin payments")
        page.get_by_role("link", name="Refunds of bitcoin payments").first.click()
        delete(page)
        expect(page.locator(".overlaps")).to_have_count(0)

        # Deleted by mistake: brought back from "Recently deleted", answered again.
        page.get_by_role("link", name="Paying with cryptocurrency").first.click()
        delete(page)
        assert "Paying with cryptocurrency" not in ask(running_stack, "Do you take bitcoin?")
        page.locator(".deleted li", has_text="Paying with cryptocurrency").get_by_role("link", name="Restore").click()
        expect(page.locator(".loaded")).to_contain_text("save to bring it back")
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".flash")).to_have_text("Saved: the bot answers with it now.")
        assert EDITED in ask(running_stack, "Do you take bitcoin?")
    finally:
        for entry_id in ("crypto-payments", "bitcoin-refunds"):
            if running_stack.store().get(entry_id):
                page.goto(f"{running_stack.desk_url}/desk/kb/entries/{entry_id}")
                delete(page)
    assert running_stack.store().get("crypto-payments") is None
    assert "Paying with cryptocurrency" not in ask(running_stack, ASKED)


def delete(page: Page) -> None:
    """Delete the entry open in the editor, confirming it."""
    page.get_by_label("Yes, the bot should stop giving this answer").check()
    page.get_by_role("button", name="Delete").click()
    expect(page.locator(".flash")).to_contain_text("no longer answers with it")
