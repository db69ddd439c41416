"""Service notices: bad news told early (an outage, a delay), with an estimate of when it ends.

Playbook: "Tell customers bad news early and honestly (an outage, a delay) with an estimate."
Staff post a notice in the desk, for everyone or for some KB categories. The bot tells each
conversation a notice once, before its reply: a notice for everyone at the customer's next
message, a category's notice before the first answer about that category. A notice is no longer
told once its estimate has passed: an estimate already missed is worse than none, so the desk
shows it as overdue and staff extend or end it.

Redis: `notices` (hash: id -> JSON), `notices:seq` (ids), `notices:told:{conversation}` (a set
of the ids told there, expiring after TOLD_TTL_SECONDS).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace

import redis

NOTICES_KEY = "notices"
SEQUENCE_KEY = "notices:seq"
MAX_TEXT_CHARS = 400  # two or three sentences: a chat bubble, not a wall of text
MAX_HOURS = 24 * 30
KEEP_ENDED_SECONDS = 7 * 86400  # ended notices stay listed in the desk this long, then go
TOLD_TTL_SECONDS = 86400  # a conversation back after a day's quiet hears a notice again


def told_key(conversation: str) -> str:
    return f"notices:told:{conversation}"


@dataclass(frozen=True)
class Notice:
    """One piece of bad news and when it is expected to be over."""

    id: str
    text: str
    categories: tuple[str, ...]  # KB categories it concerns; empty: every customer
    starts: float
    ends: float  # the estimate: told until then
    author: str
    updated_by: str
    updated_at: float

    def active(self, now: float) -> bool:
        return self.starts <= now < self.ends

    def concerns(self, categories: Iterable[str]) -> bool:
        """True for a notice to everyone, or one about any of `categories`."""
        return not self.categories or bool(set(self.categories) & set(categories))

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: bytes | str) -> Notice:
        data = json.loads(raw)
        return cls(**{**data, "categories": tuple(data["categories"])})


def notice_problems(text: str, hours: str) -> list[str]:
    """What is wrong with a notice's text and duration (in hours, as typed), if anything."""
    problems = []
    if not text.strip():
        problems.append("Write what customers should know.")
    elif len(text) > MAX_TEXT_CHARS:
        problems.append(f"Keep it to {MAX_TEXT_CHARS} characters (it has {len(text)}): "
                        "customers read it in a chat bubble.")
    try:
        number = float(hours)
    except ValueError:
        number = math.nan
    if not 0 < number <= MAX_HOURS:  # also false for nan and inf
        problems.append(f"Say how many hours until it is expected to be over: more than 0, at most {MAX_HOURS}.")
    return problems


def estimate(seconds_left: float) -> str:
    """When it is expected to be over, in words a customer in any time zone reads right."""
    hours = seconds_left / 3600
    if hours <= 1:
        return "within the hour"
    if hours < 24:
        return f"in about {math.ceil(hours)} hours"
    days = round(hours / 24)
    return "in about a day" if days == 1 else f"in about {days} days"


def customer_text(notice: Notice, now: float) -> str:
    """The notice as the bot tells it."""
    text = notice.text.strip()
    if text[-1] not in ".!?":
        text += "."
    return f"Please note: {text} We expect this to be sorted {estimate(notice.ends - now)}."


class NoticeBoard:
    """The notices in Redis: posted and changed by staff, told to customers by the bot."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def all(self, now: float | None = None) -> list[Notice]:
        """Every notice not over for more than KEEP_ENDED_SECONDS: those in force first, newest
        first, then the others, the latest to end first."""
        now = time.time() if now is None else now
        notices = [Notice.from_json(raw) for raw in self._redis.hvals(NOTICES_KEY)]
        recent = [n for n in notices if n.ends > now - KEEP_ENDED_SECONDS]
        return sorted(recent, key=lambda n: (0, -n.starts) if n.active(now) else (1, -n.ends))

    def active(self, now: float | None = None) -> list[Notice]:
        """The notices being told now."""
        now = time.time() if now is None else now
        return [n for n in self.all(now) if n.active(now)]

    def get(self, notice_id: str) -> Notice | None:
        raw = self._redis.hget(NOTICES_KEY, notice_id)
        return Notice.from_json(raw) if raw else None

    def post(self, text: str, categories: Iterable[str], hours: float, author: str, now: float | None = None) -> Notice:
        """A new notice, told from now for `hours` (checked with notice_problems first)."""
        now = time.time() if now is None else now
        notice = Notice(f"N{self._redis.incr(SEQUENCE_KEY)}", text.strip(), tuple(categories), now,
                        now + hours * 3600, author, author, now)
        self._save(notice, now)
        return notice

    def change(self, notice_id: str, text: str, categories: Iterable[str], hours: float, editor: str,
               now: float | None = None) -> Notice | None:
        """New text, categories and estimate (`hours` from now); None if there is no such notice."""
        now = time.time() if now is None else now
        current = self.get(notice_id)
        if current is None:
            return None
        changed = replace(current, text=text.strip(), categories=tuple(categories), starts=min(current.starts, now),
                          ends=now + hours * 3600, updated_by=editor, updated_at=now)
        self._save(changed, now)
        return changed

    def end(self, notice_id: str, editor: str, now: float | None = None) -> Notice | None:
        """It is over: the bot stops telling it. None if there is no such notice."""
        now = time.time() if now is None else now
        current = self.get(notice_id)
        if current is None:
            return None
        ended = replace(current, ends=min(current.ends, now), updated_by=editor, updated_at=now)
        self._save(ended, now)
        return ended

    def to_tell(
        self, conversation: str, categories: Callable[[], Iterable[str]], now: float | None = None
    ) -> list[Notice]:
        """The active notices this conversation should hear now, each marked as told.

        `categories` gives the KB categories the reply is about; it is only called when a notice
        in force is about some category, so the usual turn (no such notice) costs one Redis read.
        Marking is one SADD per notice: if two replicas handle the same conversation at once,
        only the one that added the id tells it.
        """
        now = time.time() if now is None else now
        active = self.active(now)
        about = set(categories()) if any(n.categories for n in active) else set()
        wanted = [n for n in active if n.concerns(about)]
        if not wanted:
            return []
        key = told_key(conversation)
        pipe = self._redis.pipeline()
        for notice in wanted:
            pipe.sadd(key, notice.id)
        pipe.expire(key, TOLD_TTL_SECONDS)
        added = pipe.execute()[:-1]
        return [notice for notice, new in zip(wanted, added, strict=True) if new]

    def _save(self, notice: Notice, now: float) -> None:
        """Write `notice` and forget notices ended long ago."""
        stale = [n.id for n in map(Notice.from_json, self._redis.hvals(NOTICES_KEY))
                 if n.ends <= now - KEEP_ENDED_SECONDS]
        pipe = self._redis.pipeline()
        pipe.hset(NOTICES_KEY, notice.id, notice.to_json())
        if stale:
            pipe.hdel(NOTICES_KEY, *stale)
        pipe.execute()
