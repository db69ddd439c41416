"""Outcomes per entry as the KB pages show them: the table (period and order from the query string)
and one entry's chart over the period, drawn on the server as SVG (no script, no CDN)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import redis

from kb.entry import Entry
from kb.outcomes import COLUMNS, PERIODS, EntryCounts, EntryOutcomes, rows

DEFAULT_DAYS = 30
DEFAULT_SORT = "answered"
LABELS = {"id": "Entry", "answered": "Answered", "offered": "Offered", "chosen": "Chosen",
          "helped": "Yes, helped", "not_helped": "No", "handoff_after": "Handoff after",
          "repeat_after": "Back within 72 h"}
CHARTED = ("answered", "helped", "not_helped", "handoff_after")  # the lines of an entry's chart
CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 600, 160, 4


def period(raw: str | None) -> int:
    """The period asked for (7, 30 or 90 days), else DEFAULT_DAYS."""
    return int(raw) if raw in {str(p) for p in PERIODS} else DEFAULT_DAYS


@dataclass(frozen=True)
class OutcomeRow:
    counts: EntryCounts
    title: str  # "" for an entry deleted since


@dataclass(frozen=True)
class OutcomeTable:
    """The KB page's table: every entry's counts over `days`, ordered by `sort`."""

    days: int
    sort: str
    rows: list[OutcomeRow]
    labels: Mapping[str, str]
    periods: tuple[int, ...] = PERIODS


def outcome_table(client: redis.Redis, entries: Mapping[str, Entry], days: int, sort: str | None) -> OutcomeTable:
    """The table; `sort` a column (the entry's title for "id"), the highest counts first."""
    column = sort if sort in COLUMNS else DEFAULT_SORT
    listed = [OutcomeRow(c, entries[c.id].title if c.id in entries else "")
              for c in rows(entries, EntryOutcomes(client).table(days))]
    if column == "id":
        listed.sort(key=lambda r: (r.title or r.counts.id).lower())
    else:
        listed.sort(key=lambda r: -int(getattr(r.counts, column)))  # stable: ties keep the most answered first
    return OutcomeTable(days, column, listed, LABELS)


@dataclass(frozen=True)
class Line:
    """One measure's line on the chart."""

    measure: str
    label: str
    points: str  # SVG polyline points


@dataclass(frozen=True)
class Chart:
    """An entry's counts per day over the period, scaled to the SVG's box."""

    days: int
    first: dt.date
    last: dt.date
    peak: int  # the highest daily count (the top of the box)
    lines: list[Line]
    totals: EntryCounts  # every measure over the period, charted or not
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT


def entry_chart(client: redis.Redis, entry_id: str, days: int) -> Chart:
    """The entry's chart over the last `days` days."""
    points = EntryOutcomes(client).daily(entry_id, days)
    peak = max([1, *(int(getattr(c, m)) for _, c in points for m in CHARTED)])
    step = (CHART_WIDTH - 2 * CHART_PAD) / max(1, len(points) - 1)

    def y(value: int) -> float:
        return CHART_HEIGHT - CHART_PAD - value * (CHART_HEIGHT - 2 * CHART_PAD) / peak

    lines = [Line(m, LABELS[m], " ".join(f"{CHART_PAD + i * step:.1f},{y(getattr(c, m)):.1f}"
                                         for i, (_, c) in enumerate(points))) for m in CHARTED]
    totals = EntryCounts(entry_id, *(sum(int(getattr(c, m)) for _, c in points) for m in COLUMNS[1:]))
    return Chart(days, points[0][0], points[-1][0], peak, lines, totals)
