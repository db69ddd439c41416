"""Reading and writing knowledge-base YAML files (the format is described in the README).

A file holds `entries` and, optionally, `golden`: golden questions (kb.golden) as
`{question, entry}` mappings, so they travel with the entries through `kb export` / `kb import`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kb.entry import Entry
from kb.golden import Golden, clean_question


class KBFileError(Exception):
    """A file that cannot be read as a knowledge-base file at all."""


@dataclass(frozen=True)
class RawEntry:
    """An entry as found in a file, before validation."""

    source: str
    data: dict[str, Any]


def kb_files(path: Path) -> list[Path]:
    """The YAML files at `path`: the file itself, or every *.yml/*.yaml below a folder."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml"))
    if path.exists():
        return [path]
    raise KBFileError(f"{path}: no such file or folder")


def _document(file: Path) -> Any:
    try:
        return yaml.safe_load(file.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise KBFileError(f"{file}: not valid YAML text: {error}") from error


def read_raw_entries(path: Path) -> list[RawEntry]:
    """Every entry mapping in the files at `path`, with the file it came from."""
    raw: list[RawEntry] = []
    for file in kb_files(path):
        doc = _document(file)
        entries = doc.get("entries") if isinstance(doc, dict) else None
        if not isinstance(entries, list):
            raise KBFileError(f"{file}: expected a mapping with a list under 'entries'")
        for item in entries:
            raw.append(RawEntry(str(file), item if isinstance(item, dict) else {"_invalid": item}))
    return raw


def read_golden(path: Path) -> list[Golden]:
    """The golden questions in the files at `path` (KBFileError naming the first malformed one)."""
    found: list[Golden] = []
    for file in kb_files(path):
        doc = _document(file)
        rows = doc.get("golden", []) if isinstance(doc, dict) else []
        if not isinstance(rows, list):
            raise KBFileError(f"{file}: 'golden' must be a list of {{question, entry}} mappings")
        for row in rows:
            if not isinstance(row, dict) or not isinstance(row.get("entry"), str):
                raise KBFileError(f"{file}: golden question {row!r} needs a 'question' and an 'entry' id")
            try:
                found.append(Golden(clean_question(str(row.get("question") or "")), row["entry"]))
            except ValueError as error:
                raise KBFileError(f"{file}: {error}: {row!r}") from error
    return found


def write_entries(entries: Iterable[Entry], path: Path, golden: Iterable[Golden] = ()) -> int:
    """Write `entries` (and any golden questions) as one YAML file at `path`; returns how many entries."""
    rows = [e.to_dict() for e in sorted(entries, key=lambda e: (e.category, e.id))]
    path.parent.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = {"entries": rows}
    if listed := [{"question": g.question, "entry": g.entry} for g in golden]:
        doc["golden"] = listed
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
    path.write_text(text, encoding="utf-8")
    return len(rows)
