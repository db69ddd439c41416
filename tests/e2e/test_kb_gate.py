"""The publish gate in headless Chromium: a content owner saves a golden question, tries a question against
a draft, and adds variants that would take that question from another entry; the gate names it, going back
changes nothing, confirming publishes and is recorded. Agents are refused by the desk's API.

Screenshots: .data/screenshots/desk-kb-gate*.png.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from kb.golden import GoldenStore
from kb.history import published
from tests.e2e.browser_fixtures import screenshot
from tests.e2e.desk_fixtures import desk_api, log_in
from tests.e2e.running import RunningStack

# A customer's wording that "cancel-order" answers in the sample KB, and "change-order" given it (and
# a near copy) as variants: the bot would then offer a choice between the two instead of answering.
GOLDEN = "I changed my mind, please cancel my order"
STEALING = [GOLDEN, "Please cancel it, I changed my mind"]


def try_question(page: Page, question: str) -> None:
    """Ask the editor's try panel; wait for both sides."""
    page.get_by_label("Question to try").fill(question)
    page.get_by_role("button", name="Try", exact=True).click()
    expect(page.locator(".try-results")).to_be_visible()


def add_variants(page: Page) -> None:
    box = page.locator("textarea[name=questions]")
    box.fill(box.input_value() + "\n" + "\n".join(STEALING))


def test_the_gate_names_a_stolen_question_going_back_changes_nothing_confirming_publishes(
        running_stack: RunningStack, stack_redis, open_page):
    store = running_stack.store()
    cancel, change = store.get("cancel-order"), store.get("change-order")
    confirmed_before = len(published(stack_redis))
    page = open_page(f"{running_stack.desk_url}/desk/login", viewport={"width": 1200, "height": 1400})
    log_in(page, running_stack.desk_url, "carl", stack_redis)
    try:
        # The golden question, saved from the entry that answers it (the try panel shows it does).
        page.goto(f"{running_stack.desk_url}/desk/kb/entries/cancel-order")
        try_question(page, GOLDEN)
        expect(page.locator('.try-side[data-side="live"] .says')).to_have_text(f"Answers: {cancel.title}")
        page.get_by_label("Golden question").fill(GOLDEN)
        page.get_by_role("button", name="Add a golden question").click()
        expect(page.locator(".golden li", has_text=GOLDEN)).to_contain_text("saved by carl")

        # Another entry's draft, tried before saving: the live KB answers, the draft would not.
        page.goto(f"{running_stack.desk_url}/desk/kb/entries/change-order")
        add_variants(page)
        try_question(page, GOLDEN)
        expect(page.locator('.try-side[data-side="live"]')).to_have_attribute("data-decision", "answer")
        expect(page.locator('.try-side[data-side="draft"]')).to_have_attribute("data-decision", "clarify")
        expect(page.locator('.try-side[data-side="draft"] .says')).to_contain_text(change.title)  # now a choice
        page.locator(".try-results").scroll_into_view_if_needed()
        screenshot(page, "desk-kb-gate-try")

        version = store.version()
        page.get_by_role("button", name="Save", exact=True).click()
        stolen = page.locator(".gate-changes tr", has_text=GOLDEN)
        expect(stolen).to_contain_text("golden")
        expect(stolen.locator("td.after")).to_contain_text(f"a choice: {cancel.title}")
        screenshot(page, "desk-kb-gate")
        page.get_by_role("link", name="Go back").click()
        expect(page.locator("textarea[name=questions]")).to_have_value("\n".join(change.questions))
        assert store.version() == version and store.get("change-order") == change
        assert len(published(stack_redis)) == confirmed_before

        add_variants(page)
        page.get_by_role("button", name="Save", exact=True).click()
        page.get_by_role("button", name="Confirm and publish").click()
        expect(page.locator(".flash")).to_have_text("Saved: the bot answers with it now.")
        assert store.get("change-order").questions == change.questions + tuple(STEALING)
        record = published(stack_redis)[0]  # the newest
        assert len(published(stack_redis)) == confirmed_before + 1 and record.ids == ["change-order"]
        assert record.by == "carl" and record.version == store.version()
        assert GOLDEN in [c["question"] for c in record.changes]
        expect(page.locator(".published li").first).to_contain_text(f"version {record.version}, confirmed by carl")
    finally:
        store.save([change])
        GoldenStore(stack_redis).remove(GOLDEN)


def test_an_agent_can_neither_save_a_golden_question_nor_confirm_a_publish(running_stack: RunningStack, stack_redis):
    agent, store = desk_api(running_stack.desk_url, "alice"), running_stack.store()
    change = store.get("change-order")
    golden = agent.http.post(f"{running_stack.desk_url}/desk/kb/golden", timeout=30, allow_redirects=False,
                             data={"question": GOLDEN, "entry": "cancel-order"})
    form = {**change.to_dict(), "tags": ", ".join(change.tags), "questions": "\n".join(change.questions + tuple(STEALING)),
            "related": ", ".join(change.related), "confirm": "x"}
    confirmed = agent.http.post(f"{running_stack.desk_url}/desk/kb/entries/change-order", data=form, timeout=30,
                                allow_redirects=False)
    assert (golden.status_code, confirmed.status_code) == (403, 403)
    assert GOLDEN not in [g.question for g in GoldenStore(stack_redis).all()] and store.get("change-order") == change
