"""Review duty on the KB page: per owner, the entries past their review date and the entries no
customer was shown in the last 90 days (kb.outcomes), so each owner sees what to look at first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import redis

from kb.entry import REVIEW_EVERY_DAYS, Entry
from kb.outcomes import EntryOutcomes

NOT_SHOWN_DAYS = 90


@dataclass(frozen=True)
class OwnerDuty:
    """One owner's entries to look at."""

    owner: str
    overdue: tuple[Entry, ...]  # past their review date, the longest overdue first
    not_shown: tuple[Entry, ...]  # neither answered with nor offered in NOT_SHOWN_DAYS days, by title


@dataclass(frozen=True)
class ReviewDuty:
    """The KB page's review section: every owner with something to review, by owner name."""

    owners: list[OwnerDuty]
    review_every_days: int = REVIEW_EVERY_DAYS
    not_shown_days: int = NOT_SHOWN_DAYS


def review_duty(client: redis.Redis, entries: Iterable[Entry], today: dt.date | None = None) -> ReviewDuty:
    """Each owner's overdue and unseen entries; owners with nothing to review are left out."""
    today = today or dt.datetime.now(dt.UTC).date()
    listed = sorted(entries, key=lambda e: e.title.lower())
    not_shown = set(EntryOutcomes(client).never_shown([e.id for e in listed], NOT_SHOWN_DAYS))
    duties = []
    for owner in sorted({e.owner for e in listed}, key=str.lower):
        own = [e for e in listed if e.owner == owner]
        overdue = sorted((e for e in own if e.review_due() < today), key=Entry.review_due)
        unseen = [e for e in own if e.id in not_shown]
        if overdue or unseen:
            duties.append(OwnerDuty(owner, tuple(overdue), tuple(unseen)))
    return ReviewDuty(duties)
