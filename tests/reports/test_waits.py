"""Waits for a person against the response targets: met, missed, undecided, offline tickets apart."""

from __future__ import annotations

from handoff.records import PRIORITY_HIGH, PRIORITY_NORMAL, RESPONSE_TARGET, TICKET_RESPONSE_TARGET, Handoff
from handoff.summary import Summary
from reports.waits import is_offline_ticket, wait_figures

NOW = 1_800_000_000.0


def handoff(priority: int, created: float, waited: float | None, target: float | None = None) -> Handoff:
    """A handoff created `created` seconds before NOW, taken after `waited` seconds (None: untaken)."""
    start = NOW - created
    return Handoff(
        ticket=f"T{created:.0f}", sender_id="s", channel="rest", customer={}, priority=priority, reasons=[], summary=Summary(),
        state="assigned" if waited is not None else "queued", created_at=start,
        deadline_at=start + (target or RESPONSE_TARGET[priority]), claimed_at=start + waited if waited is not None else 0.0,
    )


def test_waits_are_counted_against_each_prioritys_target():
    upset = [handoff(PRIORITY_HIGH, 500, 20), handoff(PRIORITY_HIGH, 400, 50), handoff(PRIORITY_HIGH, 300, 90),
             handoff(PRIORITY_HIGH, 200, None),  # waited 200 s untaken: missed
             handoff(PRIORITY_HIGH, 30, None)]  # still within its minute: not decided
    calm = [handoff(PRIORITY_NORMAL, 900, 170)]
    ticket = handoff(PRIORITY_NORMAL, 800, None, target=TICKET_RESPONSE_TARGET)
    high, normal = wait_figures([*calm, *upset, ticket], NOW)
    assert (high.priority, high.target_seconds, high.handed_off, high.taken) == ("high", 60, 5, 3)
    assert (high.met, high.missed, high.met_share) == (2, 2, 0.5)
    assert (high.median_wait, high.longest_wait) == (50, 90)
    assert (normal.handed_off, normal.met, normal.missed, normal.median_wait) == (1, 1, 0, 170)
    assert is_offline_ticket(ticket) and not is_offline_ticket(calm[0])


def test_nothing_handed_off_gives_no_rows_and_undecided_waits_no_share():
    assert wait_figures([], NOW) == []
    [only] = wait_figures([handoff(PRIORITY_HIGH, 10, None)], NOW)
    assert only.met_share is None and only.median_wait is None
