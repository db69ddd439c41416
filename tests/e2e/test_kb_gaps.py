"""What customers asked that the KB could not answer reaches content owners: customers talk to the
real stack through Rasa's REST channel, a content owner reads and clears the list in headless Chromium.

Screenshot: .data/screenshots/desk-kb-gaps.png.
"""

from __future__ import annotations

from playwright.sync_api import expect

from kb.gaps import GAPS_KEY, GapLog
from tests.e2e.browser_fixtures import screenshot
from tests.e2e.desk_fixtures import log_in
from tests.e2e.running import RunningStack
from bench.clients import Customer
from tests.support import texts

MARS = "What is the boiling point of mercury on Mars?"
MARS_AGAIN = "At what temperature does mercury boil on Mars?"
# Entities are decoded and tags stripped (again after decoding) before searching, so markup typed
# even as entities never reaches the list.
# (A question far from the others, so it stays a group of its own once the markup is gone.)
ATTACK_TYPED = "&lt;img src=x onerror=alert(1)&gt; who painted the ceiling of the Sistine Chapel?"
ATTACK = "who painted the ceiling of the Sistine Chapel?"


def test_unanswered_and_rejected_questions_are_grouped_for_a_content_owner_who_clears_them(
        running_stack: RunningStack, stack_redis, open_page):
    stack_redis.delete(GAPS_KEY)  # other tests' questions are not this test's business
    first, second, third = (Customer(running_stack.rasa_url) for _ in range(3))
    for customer, question in ((first, MARS), (second, MARS_AGAIN), (first, MARS_AGAIN), (third, ATTACK_TYPED)):
        assert "I don't have an answer for that" in texts(customer.say(question)), question
    refund = running_stack.store().get("refund-timing")
    rejecting = Customer(running_stack.rasa_url)
    rejecting.press(rejecting.say("How long does a refund take?"), "No")

    gaps = GapLog(stack_redis).all()
    assert [(g.kind, g.question) for g in gaps] == [
        ("unanswered", MARS), ("unanswered", MARS_AGAIN), ("unanswered", MARS_AGAIN), ("unanswered", ATTACK),
        ("rejected", "How long does a refund take?"),
    ]
    assert gaps[-1].entries == ("refund-timing",)

    page = open_page(f"{running_stack.desk_url}/desk/login", viewport={"width": 1200, "height": 1000})
    log_in(page, running_stack.desk_url, "carl", stack_redis)
    page.get_by_role("link", name="What customers asked that the knowledge base could not answer").click()
    mars = page.locator(".gap", has_text=MARS)
    expect(mars).to_contain_text("2 customers")
    expect(mars).to_contain_text("no answer ×3")
    expect(mars).to_contain_text(MARS_AGAIN)
    expect(page.locator(".gap", has_text="How long does a refund take?")).to_contain_text(f"Said no to: {refund.title}")
    expect(page.locator(".gap .question", has_text="Sistine Chapel")).to_have_text(ATTACK)
    expect(page.locator(".gap img")).to_have_count(0)
    screenshot(page, "desk-kb-gaps")

    mars.get_by_role("button", name="Mark handled").click()
    expect(page.locator(".flash")).to_have_text("3 question(s) marked handled.")
    expect(page.locator(".gap", has_text="mercury")).to_have_count(0)
    assert [g.question for g in GapLog(stack_redis).all()] == [ATTACK, "How long does a refund take?"]
