"""Review duty on the KB page, through the desk's routes on the real Redis: per owner, the entries
past their review date and those no customer was shown in 90 days."""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import replace

from desk.review_view import review_duty
from kb.entry import REVIEW_EVERY_DAYS, Entry
from kb.outcomes import EntryOutcomes
from kb.store import KBStore

TODAY = dt.date.today()


def reviewed(days_ago: int) -> str:
    return (TODAY - dt.timedelta(days=days_ago)).isoformat()


RETURNS = Entry(
    id="returns", title="Returning an item", category="returns", tags=("returns",), owner="Care team",
    last_reviewed=reviewed(REVIEW_EVERY_DAYS + 30), questions=("How do I send an item back?", "Can I return it?",
                                                               "Returns policy"),
    answer="Print the label from your account.", related=(),
)
LABEL = replace(RETURNS, id="return-label", title="Printing a returns label",
                last_reviewed=reviewed(REVIEW_EVERY_DAYS + 1))
PAYPAL = replace(RETURNS, id="paypal", title="Paying with PayPal", category="payments", owner="<b>Payments</b>",
                 last_reviewed=reviewed(10))
GIFT = replace(PAYPAL, id="gift-cards", title="Gift cards", last_reviewed=reviewed(20))


def owner_block(page: str, owner: str) -> str:
    block = re.search(rf'<div class="owner-duty" data-owner="{re.escape(owner)}">(.*?)</div>', page, re.S)
    assert block, f"no review duty for {owner}"
    return block.group(1)


def test_each_owner_sees_entries_past_review_and_entries_not_shown_in_90_days(client_for, svc):
    KBStore(svc.redis).save([RETURNS, LABEL, PAYPAL, GIFT])
    outcomes = EntryOutcomes(svc.redis)
    outcomes.add([("answered", "returns"), ("offered", "paypal")])
    outcomes.add([("answered", "gift-cards")], at=time.time() - 91 * 86400)  # shown, but not in the last 90 days
    page = client_for("carl").get("/desk/kb").text
    care = owner_block(page, "Care team")
    overdue, not_shown = care.split("Not shown in 90 days:")
    # The longest overdue first, each with its due date; shown recently is not "not shown".
    assert re.findall(r'data-entry="([^"]+)"', overdue) == ["returns", "return-label"]
    assert f"due {RETURNS.review_due()}, last reviewed {RETURNS.last_reviewed}" in overdue
    assert re.findall(r'data-entry="([^"]+)"', not_shown) == ["return-label"]
    # An owner whose entries are reviewed in time: only what customers never saw. Names are escaped.
    payments = owner_block(page, "&lt;b&gt;Payments&lt;/b&gt;")
    assert "Past review" not in payments and re.findall(r'data-entry="([^"]+)"', payments) == ["gift-cards"]
    assert "<b>Payments</b>" not in page


def test_saving_an_entry_reviews_it_and_an_owner_with_nothing_due_is_left_out(svc):
    outcomes = EntryOutcomes(svc.redis)
    outcomes.add([("answered", "returns"), ("answered", "return-label")])
    assert [d.owner for d in review_duty(svc.redis, [RETURNS, LABEL]).owners] == ["Care team"]
    fresh = [replace(RETURNS, last_reviewed=reviewed(0)), replace(LABEL, last_reviewed=reviewed(REVIEW_EVERY_DAYS))]
    assert review_duty(svc.redis, fresh).owners == []
