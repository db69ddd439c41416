"""Outcomes per entry (kb.outcomes): counted per UTC day, read back over a period, bounded."""

from __future__ import annotations

import json

import pytest
import redis

from kb.cli import main
from kb.outcomes import KEEP_DAYS, EntryCounts, EntryOutcomes, day_key, utc_day
from kb.store import KBStore
from tests.small_kb import SMALL_KB

NOW = 1_796_000_000.0  # a fixed moment, so days are days
DAY = 86400


def test_counts_add_up_per_entry_over_the_period_asked(redis_client: redis.Redis) -> None:
    outcomes = EntryOutcomes(redis_client)
    outcomes.add([("answered", "refunds"), ("helped", "refunds"), ("offered", "delivery")], NOW)
    outcomes.add([("answered", "refunds"), ("handoff_after", "refunds")], NOW - 3 * DAY)
    outcomes.add([("answered", "refunds")], NOW - 20 * DAY)
    outcomes.add([("answered", "refunds"), ("not a measure", "refunds")], NOW - 95 * DAY)
    week = outcomes.table(7, NOW)
    assert week == {"refunds": EntryCounts("refunds", answered=2, helped=1, handoff_after=1),
                    "delivery": EntryCounts("delivery", offered=1)}
    assert outcomes.table(30, NOW)["refunds"].answered == 3
    assert outcomes.table(90, NOW)["refunds"].answered == 3  # 95 days ago is outside every period
    assert week["refunds"].to_dict() == {"id": "refunds", "answered": 2, "offered": 0, "chosen": 0, "helped": 1,
                                         "not_helped": 0, "handoff_after": 1, "repeat_after": 0}
    # Each day's hash expires after the longest period.
    assert 0 < redis_client.ttl(day_key(utc_day(NOW))) <= KEEP_DAYS * DAY


def test_an_entrys_days_are_the_points_of_its_chart(redis_client: redis.Redis) -> None:
    outcomes = EntryOutcomes(redis_client)
    outcomes.add([("answered", "refunds"), ("answered", "refunds")], NOW - DAY)
    points = outcomes.daily("refunds", 7, NOW)
    assert [day for day, _ in points][-1] == utc_day(NOW) and len(points) == 7
    assert [counts.answered for _, counts in points] == [0, 0, 0, 0, 0, 2, 0]


def test_when_each_entry_was_last_shown_and_which_were_never_shown_in_90_days(redis_client: redis.Redis) -> None:
    outcomes = EntryOutcomes(redis_client)
    outcomes.add([("offered", "delivery")], NOW - 100 * DAY)
    outcomes.add([("answered", "refunds")], NOW - 2 * DAY)
    outcomes.add([("helped", "password")], NOW)  # a "yes" alone is not a showing
    assert outcomes.last_shown("refunds") == NOW - 2 * DAY
    assert outcomes.last_shown("password") is None
    assert outcomes.never_shown(["password", "refunds", "delivery"], 90, NOW) == ["password", "delivery"]


def test_kb_stats_prints_every_entry_with_its_counts(redis_client: redis.Redis, redis_url: str,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("REDIS_URL", redis_url)
    KBStore(redis_client).save(SMALL_KB[:2])
    EntryOutcomes(redis_client).add([("answered", "cancel-order"), ("helped", "cancel-order")])
    main(["stats", "--days", "7", "--json"])
    printed = json.loads(capsys.readouterr().out)
    assert printed == [
        {"id": "cancel-order", "answered": 1, "offered": 0, "chosen": 0, "helped": 1, "not_helped": 0,
         "handoff_after": 0, "repeat_after": 0},
        {"id": "reset-password", "answered": 0, "offered": 0, "chosen": 0, "helped": 0, "not_helped": 0,
         "handoff_after": 0, "repeat_after": 0},
    ]
    main(["stats"])
    table = capsys.readouterr().out.splitlines()
    assert table[0] == "outcomes per entry over the last 30 day(s), today included (UTC)"
    assert table[2].split() == ["cancel-order", "1", "0", "0", "1", "0", "0", "0"]
