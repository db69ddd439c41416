"""The content owner's view of what the KB fell short on: grouped gaps with the entries' titles."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

import redis

from kb.gaps import GapGroup, GapLog, group_gaps
from kb.store import KBStore

SHOWN_GROUPS = 50
SHOWN_WORDINGS = 5
STREAM_ID = re.compile(r"^\d{1,20}-\d{1,20}$")


@dataclass(frozen=True)
class GapRow:
    """One group as the page shows it."""

    question: str  # the newest wording
    wordings: list[str]  # the other distinct wordings, newest first
    more_wordings: int
    customers: int
    unanswered: int
    rejected: int
    last_at: float
    rejected_titles: list[str]  # answers customers said no to
    ids: str  # the group's gap ids, comma-joined, for "handled"
    draft_url: str  # a new entry with the group's wordings as its question variants


def group_count(client: redis.Redis) -> int:
    """How many groups of gaps wait for content owners."""
    return len(group_gaps(GapLog(client).all()))


def gap_rows(client: redis.Redis) -> tuple[list[GapRow], int]:
    """The groups to show (most customers first) and how many groups there are in all."""
    groups = group_gaps(GapLog(client).all())
    titles = {entry_id: entry.title for entry_id, entry in KBStore(client).snapshot().entries.items()}
    return [_row(group, titles) for group in groups[:SHOWN_GROUPS]], len(groups)


def _row(group: GapGroup, titles: dict[str, str]) -> GapRow:
    questions = group.questions
    return GapRow(
        question=questions[0], wordings=questions[1:1 + SHOWN_WORDINGS],
        more_wordings=max(0, len(questions) - 1 - SHOWN_WORDINGS), customers=group.customers,
        unanswered=group.count("unanswered"), rejected=group.count("rejected"), last_at=group.last_at,
        rejected_titles=[titles.get(entry_id, f"{entry_id} (removed)") for entry_id in group.rejected_entries],
        ids=",".join(group.ids),
        draft_url="/desk/kb/entries/new?" + urlencode([("question", q) for q in questions[:1 + SHOWN_WORDINGS]]),
    )


def parse_ids(raw: str) -> list[str]:
    """Gap ids from the form; anything that is not a stream id is refused."""
    ids = [part.strip() for part in raw.split(",") if part.strip()]
    if not ids or not all(STREAM_ID.match(i) for i in ids):
        raise ValueError("not a list of gap ids")
    return ids
