"""One knowledge-base entry and its (de)serialisation."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

REQUIRED_FIELDS = (
    "id", "title", "category", "tags", "owner", "last_reviewed", "questions", "answer", "related",
)
# An entry is due for review this long after it was last reviewed (saving it in the editor reviews it).
REVIEW_EVERY_DAYS = 180


@dataclass(frozen=True)
class Entry:
    """A standard answer with the ways customers ask for it."""

    id: str
    title: str
    category: str
    tags: tuple[str, ...]
    owner: str
    last_reviewed: str  # ISO date
    questions: tuple[str, ...]
    answer: str  # Markdown
    related: tuple[str, ...]
    link: str = ""

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Entry:
        """Build an entry from a validated mapping (see kb.validate)."""
        reviewed = raw["last_reviewed"]
        if isinstance(reviewed, (dt.date, dt.datetime)):
            reviewed = reviewed.isoformat()[:10]
        return cls(
            id=str(raw["id"]),
            title=str(raw["title"]).strip(),
            category=str(raw["category"]),
            tags=tuple(str(t) for t in raw["tags"]),
            owner=str(raw["owner"]),
            last_reviewed=str(reviewed),
            questions=tuple(str(q).strip() for q in raw["questions"]),
            answer=str(raw["answer"]).strip(),
            related=tuple(str(r) for r in raw["related"]),
            link=str(raw.get("link") or ""),
        )

    def review_due(self) -> dt.date:
        """The date by which the entry should be reviewed again (its owner's review duty)."""
        return dt.date.fromisoformat(self.last_reviewed) + dt.timedelta(days=REVIEW_EVERY_DAYS)

    def to_dict(self) -> dict[str, Any]:
        """A plain mapping for YAML or JSON; `link` is left out when empty."""
        data = asdict(self)
        for key in ("tags", "questions", "related"):
            data[key] = list(data[key])
        if not self.link:
            del data["link"]
        return data
