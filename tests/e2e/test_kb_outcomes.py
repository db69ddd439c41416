"""What each entry did, and what a customer read, end to end on the running stack.

A customer is answered, says "yes, that helped", then asks for a person: the entry's outcomes show
it on the desk's KB page (a content owner in Chromium) and in `kb stats --json`. The entry is then
edited; the agent who opens the handoff still reads the answer as the customer did, flagged as
changed since.

Screenshots: .data/screenshots/kb-outcomes.png, conversation-answer-provenance.png.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from playwright.sync_api import expect

from bench.clients import Customer
from handoff.queue import HandoffQueue
from kb.cli import main
from kb.store import fingerprint
from tests.e2e.browser_fixtures import screenshot
from tests.e2e.desk_fixtures import log_in
from tests.e2e.running import RunningStack
from tests.support import shows, texts

ENTRY = "reset-password"
MEASURES = ("answered", "helped", "handoff_after")


def kb_stats(running_stack: RunningStack, monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str]) -> dict[str, int]:
    """`kb stats --days 7 --json` on the stack's Redis: the entry's row."""
    monkeypatch.setenv("REDIS_URL", running_stack.settings.redis.url)
    main(["stats", "--days", "7", "--json"])
    return next(row for row in json.loads(capsys.readouterr().out) if row["id"] == ENTRY)


def test_an_answer_that_helped_and_the_handoff_after_it_count_and_the_agent_reads_what_was_shown(
        running_stack: RunningStack, stack_redis, open_page, monkeypatch, capsys):
    store = running_stack.store()
    entry = store.get(ENTRY)
    before = kb_stats(running_stack, monkeypatch, capsys)
    agent = open_page(f"{running_stack.desk_url}/desk/login", viewport={"width": 1200, "height": 1400})
    log_in(agent, running_stack.desk_url, "alice", stack_redis)  # online, so the handoff is queued for her
    customer = Customer(running_stack.rasa_url)
    assert shows(entry.answer, customer.say("How do I reset my password?"))
    assert "glad that helped" in texts(customer.say("yes"))
    customer.say("I want to talk to a human")  # two turns after the answer
    handoff = HandoffQueue(stack_redis).open_for(customer.sender)
    assert handoff is not None

    after = kb_stats(running_stack, monkeypatch, capsys)
    assert {m: after[m] - before[m] for m in MEASURES} == {"answered": 1, "helped": 1, "handoff_after": 1}
    owner = open_page(f"{running_stack.desk_url}/desk/login", viewport={"width": 1200, "height": 1400})
    log_in(owner, running_stack.desk_url, "carl", stack_redis)
    owner.goto(f"{running_stack.desk_url}/desk/kb?days=7&sort=helped")
    row = owner.locator(f'#outcomes tr[data-entry="{ENTRY}"] td')
    expect(row.nth(1)).to_have_text(str(after["answered"]))  # Answered
    expect(row.nth(4)).to_have_text(str(after["helped"]))  # Yes, helped
    expect(row.nth(6)).to_have_text(str(after["handoff_after"]))  # Handoff after
    row.first.scroll_into_view_if_needed()
    screenshot(owner, "kb-outcomes")
    row.first.get_by_role("link").click()  # the entry's page: its totals and its chart
    expect(owner.locator('#outcomes dd[data-measure="helped"]')).to_have_text(str(after["helped"]))
    expect(owner.locator('#outcomes dd[data-measure="handoff_after"]')).to_have_text(str(after["handoff_after"]))
    expect(owner.locator("#outcomes svg polyline")).to_have_count(4)

    # The entry is edited after the customer read it.
    edited = replace(entry, answer="Use the new one-click reset on the sign-in page.")
    store.save_entry(edited, fingerprint(entry), by="carl")
    try:
        agent.goto(f"{running_stack.desk_url}/desk/conversations/{handoff.ticket}")
        shown = agent.locator(f'#answers li[data-entry="{ENTRY}"]')
        # As the widget showed it (rendered Markdown), and word for word as sent.
        expect(shown.locator(".shown-text strong", has_text="Forgot password?")).to_be_visible()
        assert "**" not in shown.locator(".shown-text").inner_text()
        assert entry.answer in shown.locator(".shown-source").text_content()
        assert "one-click" not in shown.text_content()
        expect(shown.locator(".meta")).to_contain_text(re.compile(r"Answer as of \d{4}-\d\d-\d\d \d\d:\d\d UTC"))
        expect(shown.locator(".changed-since")).to_contain_text("the entry was edited since")
        expect(shown.locator(".changed-since")).to_contain_text("by carl")
        shown.scroll_into_view_if_needed()
        screenshot(agent, "conversation-answer-provenance")
    finally:
        store.save_entry(entry, fingerprint(edited), by="carl")  # the other tests read the sample KB
        # Out of the queue, so no later module's customer finds someone ahead in line.
        HandoffQueue(stack_redis).close(handoff.ticket, "resolved")
