"""Outcomes per entry and the provenance of answers, through the desk's routes on the real Redis."""

from __future__ import annotations

import datetime as dt
import html
import re
import time
from dataclasses import replace

from desk.outcomes_view import entry_chart
from handoff.context import transcript
from handoff.queue import HandoffQueue
from kb.entry import Entry
from kb.outcomes import EntryOutcomes
from kb.store import KBStore, fingerprint

RETURNS = Entry(
    id="returns", title="Returning an item", category="returns", tags=("returns",), owner="care",
    last_reviewed="2026-01-01", questions=("How do I send an item back?", "Can I return my order?", "Returns policy"),
    answer="Print the **label** from your account.", related=(),
)


def outcomes_of(page: str) -> str:
    """The outcomes section of the KB page (other sections name entries too)."""
    return page[page.index('<section class="card outcomes" id="outcomes">'):]


def cells(page: str, entry_id: str) -> list[str]:
    """The numbers in the outcomes table's row of `entry_id`."""
    row = re.search(rf'<tr data-entry="{entry_id}">(.*?)</tr>', page, re.S)
    assert row, f"no row for {entry_id}"
    return re.findall(r"<td>(\d+)</td>", row.group(1))


def test_a_content_owner_sees_each_entrys_outcomes_sorted_and_over_the_period_chosen(client_for, svc):
    # Entries counted, then deleted: their rows stay. (An empty KB: the page needs no embedding model;
    # the rows of live entries and their pages are seen in tests/e2e/test_kb_outcomes.py.)
    outcomes = EntryOutcomes(svc.redis)
    outcomes.add([("answered", "returns"), ("helped", "returns"), ("handoff_after", "returns"),
                  ("offered", "paypal"), ("offered", "paypal"), ("chosen", "paypal"), ("answered", "paypal"),
                  ("answered", "paypal")])
    outcomes.add([("answered", "returns")] * 5, time.time() - 10 * 86400)
    carl = client_for("carl")
    page = outcomes_of(carl.get("/desk/kb").text)
    assert cells(page, "returns") == ["6", "0", "0", "1", "0", "1", "0"]  # 30 days by default
    assert cells(page, "paypal") == ["2", "2", "1", "0", "0", "0", "0"]
    assert page.index('data-entry="returns"') < page.index('data-entry="paypal"')  # most answered first
    assert "<s>paypal</s> <small>deleted</small>" in page
    week = outcomes_of(carl.get("/desk/kb?days=7&sort=offered").text)
    assert cells(week, "returns")[0] == "1"
    assert week.index('data-entry="paypal"') < week.index('data-entry="returns"')
    assert 'aria-sort="descending"' in week and 'class="chosen" aria-current="true">7 days' in week
    # Agents read conversations, not the KB's numbers.
    assert client_for("alice").get("/desk/kb").status_code == 403


def test_an_entrys_chart_has_a_point_per_day_and_its_totals(redis_client):
    EntryOutcomes(redis_client).add([("answered", "returns"), ("helped", "returns"), ("repeat_after", "returns")])
    chart = entry_chart(redis_client, "returns", 7)
    assert (chart.days, chart.peak, chart.last - chart.first) == (7, 1, dt.timedelta(days=6))
    assert [line.measure for line in chart.lines] == ["answered", "helped", "not_helped", "handoff_after"]
    answered = [tuple(map(float, p.split(","))) for p in chart.lines[0].points.split()]
    assert len(answered) == 7 and answered[-1][1] < answered[0][1]  # today's point is higher up
    assert (chart.totals.answered, chart.totals.helped, chart.totals.repeat_after) == (1, 1, 1)


def test_an_agent_reads_the_answer_as_the_customer_did_after_the_entry_was_edited(client_for, svc, make_handoff):
    alice = client_for("alice")
    store = KBStore(svc.redis)
    store.save([RETURNS])  # after the desk started: its warm-up has no overlaps to compare (no model)
    shown = RETURNS.answer + "\n\nSource: Returning an item"
    events = [{"event": "user", "text": "how do I return this?", "timestamp": 100.0},
              {"event": "bot", "text": shown, "timestamp": 101.0,
               "metadata": {"kb_answer": {"entry": "returns", "version": fingerprint(RETURNS)}}}]
    handoff = make_handoff("kim")
    for line in transcript(events):
        HandoffQueue(svc.redis).append(handoff.ticket, line)
    page = alice.get(f"/desk/conversations/{handoff.ticket}").text
    assert "Answer as of 1970-01-01 00:01 UTC" in page and "changed-since" not in page
    store.save_entry(replace(RETURNS, answer="Returns are free within 30 days."), fingerprint(RETURNS), by="carl")
    page = alice.get(f"/desk/conversations/{handoff.ticket}").text
    assert f'<div class="pre shown-source">{html.escape(shown)}</div>' in page
    assert re.search(r"the entry was edited since \(\d{4}-\d\d-\d\d \d\d:\d\d UTC, by carl\)", page)
    text = alice.get(f"/desk/conversations/{handoff.ticket}/ticket.txt").text
    assert f"- answer as of 1970-01-01 00:01 UTC, entry returns (version {fingerprint(RETURNS)}); " \
           "the entry was edited since" in text
    assert "  | Print the **label** from your account." in text and "Returns are free" not in text
