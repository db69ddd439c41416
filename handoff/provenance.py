"""What the customer read: the KB answers in a handoff's transcript, each with the version of its
entry then, and whether the entry changed since (kb.history keeps the versions it replaced).

The text is the transcript's own line, as the bot sent it: an edit of the entry afterwards does
not change what the agent (or a dispute) sees the customer was told.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from handoff.records import Line
from kb.history import EntryHistory, Version
from kb.store import KBStore, fingerprint


@dataclass(frozen=True)
class ShownAnswer:
    """One answer the customer read, and what became of its entry."""

    entry_id: str
    version: str  # kb.store.fingerprint of the entry as shown
    at: float  # when it was shown
    text: str  # exactly the message the customer read
    title: str  # the entry's title now ("" once deleted)
    changed: bool  # the entry was edited or deleted since
    changed_at: float = 0.0  # when the version shown was replaced (0: unknown, or unchanged)
    changed_by: str = ""
    change: str = ""  # how it was replaced: "edited" | "deleted" ("" when unchanged)
    deleted: bool = False  # the entry is gone now

    @property
    def as_of(self) -> str:
        return when(self.at)

    @property
    def since(self) -> str:
        """What became of the entry since it was shown ("" when unchanged)."""
        if not self.changed:
            return ""
        detail = ", ".join(filter(None, [when(self.changed_at) if self.changed_at else "",
                                         f"by {self.changed_by}" if self.changed_by else ""]))
        later = "; it is deleted now" if self.deleted and self.change != "deleted" else ""
        return f"the entry was {self.change} since" + (f" ({detail})" if detail else "") + later


def when(at: float) -> str:
    """A moment as the desk and the ticket print it."""
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(at))


def _replaced(versions: list[Version], version: str, shown_at: float) -> Version | None:
    """The edit (or deletion) that replaced `version` after it was shown: it kept that version."""
    return min((v for v in versions if v.at >= shown_at and fingerprint(v.entry) == version),
               key=lambda v: v.at, default=None)


def shown_answers(lines: list[Line], store: KBStore) -> list[ShownAnswer]:
    """The KB answers among a transcript's lines, oldest first."""
    answers = [(line, line.answer) for line in lines if line.who == "bot" and line.answer]
    if not answers:
        return []
    current = store.get_many(list(dict.fromkeys(str(shown.get("entry", "")) for _, shown in answers)))
    history = EntryHistory(store.client)
    versions: dict[str, list[Version]] = {}  # read once per changed entry
    found: list[ShownAnswer] = []
    for line, shown in answers:
        entry_id, version = str(shown.get("entry", "")), str(shown.get("version", ""))
        entry = current.get(entry_id)
        replaced = None
        changed = entry is None or fingerprint(entry) != version
        if changed:
            versions.setdefault(entry_id, history.versions(entry_id))
            replaced = _replaced(versions[entry_id], version, line.at)
        change = replaced.action if replaced else "deleted" if entry is None else "edited" if changed else ""
        found.append(ShownAnswer(
            entry_id, version, line.at, line.text, entry.title if entry else "", changed,
            replaced.at if replaced else 0.0, replaced.by if replaced else "", change, entry is None,
        ))
    return found
