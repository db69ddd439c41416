"""Outcomes per entry: how often each KB entry was answered with, offered, chosen, helped or not,
and what followed (a handoff soon after, the customer back about it within days).

Counted as each turn is recorded (conversation.outcome_record), into one Redis hash per day: a
page over 90 days reads at most 90 hashes whatever the traffic, and nothing scans turn logs.
The counts name entries, never customers: they are not personal data and erasure leaves them.

Keys (built only here):
    kb:outcomes:{YYYY-MM-DD}   hash: "{measure}:{entry id}" -> count, for KEEP_DAYS
    kb:outcomes:last_shown     sorted set: entry id -> when it was last answered with or offered
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields, replace

import redis

MEASURES = ("answered", "offered", "chosen", "helped", "not_helped", "handoff_after", "repeat_after")
SHOWN = ("answered", "offered")  # the measures that mean the customer saw the entry
PERIODS = (7, 30, 90)  # the periods the desk and `kb stats` offer, in days
KEEP_DAYS = 100  # longer than the longest period
LAST_SHOWN_KEY = "kb:outcomes:last_shown"


def day_key(day: dt.date) -> str:
    """The Redis key of one day's counts (UTC days)."""
    return f"kb:outcomes:{day.isoformat()}"


def utc_day(at: float) -> dt.date:
    return dt.datetime.fromtimestamp(at, dt.UTC).date()


@dataclass(frozen=True)
class EntryCounts:
    """One entry's counts over a period (or one day)."""

    id: str
    answered: int = 0  # its answer was shown (asked, chosen, or the next best after a "no")
    offered: int = 0  # offered among the choices of a clarifying question
    chosen: int = 0  # ... and the customer chose it
    helped: int = 0  # "yes, that helped" to its answer
    not_helped: int = 0  # "no" to its answer
    handoff_after: int = 0  # a handoff within two turns of its answer
    repeat_after: int = 0  # shown again to a customer who had it in a conversation within 72 hours

    def plus(self, measure: str, count: int) -> EntryCounts:
        return replace(self, **{measure: getattr(self, measure) + count})

    def to_dict(self) -> dict[str, str | int]:
        """The JSON of `kb stats --json`."""
        return asdict(self)


COLUMNS = tuple(f.name for f in fields(EntryCounts))


def _days(days: int, now: float) -> list[dt.date]:
    """The last `days` UTC days up to today, oldest first."""
    today = utc_day(now)
    return [today - dt.timedelta(days=back) for back in range(days - 1, -1, -1)]


def _parse(field: bytes) -> tuple[str, str] | None:
    measure, _, entry_id = field.decode().partition(":")
    return (measure, entry_id) if measure in MEASURES and entry_id else None


class EntryOutcomes:
    """Counts outcomes per entry per day, and reads them back over a period."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def add(self, events: Iterable[tuple[str, str]], at: float | None = None) -> None:
        """Count each (measure, entry id) once, on the UTC day of `at` (now)."""
        events = [(m, e) for m, e in events if m in MEASURES]
        if not events:
            return
        at = time.time() if at is None else at
        key = day_key(utc_day(at))
        pipe = self._redis.pipeline(transaction=False)
        for measure, entry_id in events:
            pipe.hincrby(key, f"{measure}:{entry_id}", 1)
        pipe.expire(key, KEEP_DAYS * 86400)
        shown = {entry_id: at for measure, entry_id in events if measure in SHOWN}
        if shown:
            pipe.zadd(LAST_SHOWN_KEY, shown)
            # One member per entry shown in the retention: bounded by the KB's size.
            pipe.zremrangebyscore(LAST_SHOWN_KEY, "-inf", at - KEEP_DAYS * 86400)
        pipe.execute()

    def _read(self, days: list[dt.date]) -> list[dict[bytes, bytes]]:
        pipe = self._redis.pipeline(transaction=False)
        for day in days:
            pipe.hgetall(day_key(day))
        return list(pipe.execute())

    def table(self, days: int, now: float | None = None) -> dict[str, EntryCounts]:
        """Every entry with any count in the last `days` days (today included), by id."""
        totals: dict[str, EntryCounts] = {}
        for counts in self._read(_days(days, time.time() if now is None else now)):
            for field, value in counts.items():
                parsed = _parse(field)
                if parsed:
                    measure, entry_id = parsed
                    totals[entry_id] = totals.get(entry_id, EntryCounts(entry_id)).plus(measure, int(value))
        return totals

    def daily(self, entry_id: str, days: int, now: float | None = None) -> list[tuple[dt.date, EntryCounts]]:
        """One entry's counts for each of the last `days` days, oldest first (a chart's points)."""
        dates = _days(days, time.time() if now is None else now)
        pipe = self._redis.pipeline(transaction=False)
        for day in dates:
            pipe.hmget(day_key(day), [f"{m}:{entry_id}" for m in MEASURES])
        rows = pipe.execute()
        return [(day, EntryCounts(entry_id, *(int(v or 0) for v in row))) for day, row in zip(dates, rows, strict=True)]

    def last_shown(self, entry_id: str) -> float | None:
        """When the entry was last answered with or offered; None when not in the last KEEP_DAYS days."""
        score = self._redis.zscore(LAST_SHOWN_KEY, entry_id)
        return float(score) if score is not None else None

    def never_shown(self, entry_ids: Iterable[str], days: int = 90, now: float | None = None) -> list[str]:
        """Those of `entry_ids` not answered with nor offered in the last `days` days, in the order given."""
        since = (time.time() if now is None else now) - days * 86400
        shown = {m.decode() for m in self._redis.zrangebyscore(LAST_SHOWN_KEY, since, "+inf")}
        return [entry_id for entry_id in entry_ids if entry_id not in shown]


def rows(entry_ids: Iterable[str], table: dict[str, EntryCounts]) -> list[EntryCounts]:
    """One row per entry (zeros for one never counted; counted entries since deleted too), the
    most answered first."""
    every = {entry_id: table.get(entry_id, EntryCounts(entry_id)) for entry_id in entry_ids} | table
    return sorted(every.values(), key=lambda c: (-c.answered, -c.offered, c.id))
