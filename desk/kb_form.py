"""The knowledge-base editor's form: what a content owner typed, checked like `kb validate` checks a file."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from kb.entry import Entry
from kb.files import RawEntry
from kb.validate import validate

EDITOR = "editor"  # the source named in validation problems
# Generous bounds that still keep one entry readable in a chat bubble and the form usable.
MAX_CHARS = {"title": 200, "category": 60, "owner": 80, "link": 500, "answer": 20_000}
MAX_QUESTION_CHARS = 300
MAX_ITEMS = 100  # question variants, tags or related ids


def clean_text(text: str) -> str:
    """Control characters (binary junk) become spaces; line breaks stay."""
    return "".join(ch if ch in "\n\t" or unicodedata.category(ch)[0] != "C" else " "
                   for ch in text.replace("\r\n", "\n"))


def _items(text: str, separator: str) -> list[str]:
    return [part.strip() for part in text.split(separator) if part.strip()]


@dataclass
class EntryForm:
    """The form's fields as text, exactly as shown and sent back (nothing typed is lost on an error)."""

    id: str = ""
    title: str = ""
    category: str = ""
    tags: str = ""  # comma-separated
    owner: str = ""
    last_reviewed: str = field(default_factory=lambda: dt.date.today().isoformat())
    link: str = ""
    questions: str = ""  # one per line
    answer: str = ""
    related: str = ""  # comma-separated entry ids
    base: str = ""  # fingerprint of the entry as it was read ("" for a new one)

    @classmethod
    def from_entry(cls, entry: Entry, base: str) -> EntryForm:
        """The form for editing `entry`; saving it counts as reviewing it today."""
        return cls(
            id=entry.id, title=entry.title, category=entry.category, tags=", ".join(entry.tags), owner=entry.owner,
            link=entry.link, questions="\n".join(entry.questions), answer=entry.answer,
            related=", ".join(entry.related), base=base,
        )

    @classmethod
    def from_post(cls, posted: Mapping[str, Any], entry_id: str | None = None) -> EntryForm:
        """The fields of a submitted form; an existing entry keeps its id whatever was posted."""
        values = {name: clean_text(str(posted.get(name, ""))).strip() for name in cls.__dataclass_fields__}
        if entry_id is not None:
            values["id"] = entry_id
        return cls(**values)

    def fields(self) -> dict[str, str]:
        """The fields by name, for the template."""
        return asdict(self)

    def check(self, current: Mapping[str, Entry]) -> tuple[Entry | None, list[str]]:
        """The entry this form makes, checked against the rest of the KB; or None and every problem."""
        problems = self._size_problems()
        if self.id.lower() == "new":
            problems.append("'new' can't be an id (it names the page for new entries)")
        data = {
            "id": self.id.lower(), "title": self.title, "category": self.category, "tags": _items(self.tags, ","),
            "owner": self.owner, "last_reviewed": self.last_reviewed, "questions": _items(self.questions, "\n"),
            "answer": self.answer, "related": _items(self.related, ","), "link": self.link,
        }
        others = [RawEntry("store", e.to_dict()) for entry_id, e in current.items() if entry_id != data["id"]]
        entries, found = validate([*others, RawEntry(EDITOR, data)])
        problems += [p.message for p in found if p.source == EDITOR]
        mine = next((e for e in entries if e.id == data["id"]), None)
        return (mine, []) if mine is not None and not problems else (None, problems)

    def _size_problems(self) -> list[str]:
        problems = [f"'{name}' is too long (at most {limit:,} characters)"
                    for name, limit in MAX_CHARS.items() if len(getattr(self, name)) > limit]
        questions = _items(self.questions, "\n")
        if any(len(q) > MAX_QUESTION_CHARS for q in questions):
            problems.append(f"a question variant is too long (at most {MAX_QUESTION_CHARS} characters)")
        lists = (("questions", questions), ("tags", _items(self.tags, ",")), ("related", _items(self.related, ",")))
        for name, items in lists:
            if len(items) > MAX_ITEMS:
                problems.append(f"too many {name} (at most {MAX_ITEMS})")
        return problems
