"""Checks a set of raw entries and reports every problem with its file and entry id."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from kb.entry import REQUIRED_FIELDS, Entry
from kb.files import RawEntry

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
MIN_QUESTIONS = 3
LIST_FIELDS = ("tags", "questions", "related")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one entry."""

    source: str
    entry_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.entry_id}: {self.message}"


def _field_problems(data: dict) -> list[str]:
    problems = [f"missing field '{name}'" for name in REQUIRED_FIELDS if name not in data]
    for name in ("title", "answer", "category", "owner"):
        if name in data and (not isinstance(data[name], str) or not data[name].strip()):
            problems.append(f"'{name}' must be non-empty text")
    for name in LIST_FIELDS:
        value = data.get(name)
        if name in data and (not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value)):
            problems.append(f"'{name}' must be a list of non-empty texts")
    if isinstance(data.get("questions"), list) and len(data["questions"]) < MIN_QUESTIONS:
        problems.append(f"needs at least {MIN_QUESTIONS} question variants, has {len(data['questions'])}")
    if "id" in data and not ID_PATTERN.match(str(data["id"])):
        problems.append("id must be lowercase letters, digits and dashes (at most 80)")
    if "last_reviewed" in data and not _is_date(data["last_reviewed"]):
        problems.append("'last_reviewed' must be a date such as 2026-10-01")
    link = data.get("link")
    if link and not (isinstance(link, str) and re.match(r"^https?://\S+$", link)):
        problems.append("'link' must be an http(s) URL")
    return problems


def _is_date(value: object) -> bool:
    if isinstance(value, dt.date):
        return True
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def validate(raw_entries: list[RawEntry], known_ids: Iterable[str] = ()) -> tuple[list[Entry], list[Problem]]:
    """The valid entries and every problem found (empty when the whole set is sound).

    `known_ids` are entries that exist elsewhere (the store, for an import that adds to it):
    related ids may point at them.
    """
    problems: list[Problem] = []
    entries: list[Entry] = []
    seen_ids: dict[str, str] = {}
    seen_questions: dict[str, str] = {}
    for raw in raw_entries:
        entry_id = str(raw.data.get("id", "?"))
        own = _field_problems(raw.data)
        if entry_id in seen_ids:
            own.append(f"duplicate id (also in {seen_ids[entry_id]})")
        problems += [Problem(raw.source, entry_id, message) for message in own]
        if own:
            continue
        seen_ids[entry_id] = raw.source
        entry = Entry.from_dict(raw.data)
        for question in entry.questions:
            key = " ".join(question.lower().split())
            other = seen_questions.setdefault(key, entry.id)
            if other != entry.id:
                why = f"question variant {question!r} is also used by entry '{other}'"
                problems.append(Problem(raw.source, entry.id, why))
        entries.append(entry)
    existing = set(known_ids) | set(seen_ids)
    for entry in entries:
        for related in entry.related:
            if related == entry.id:
                problems.append(Problem(seen_ids[entry.id], entry.id, "relates to itself"))
            elif related not in existing:
                problems.append(Problem(seen_ids[entry.id], entry.id, f"related id '{related}' does not exist"))
    return entries, problems
