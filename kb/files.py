"""Reading and writing knowledge-base YAML files (the format is described in the README)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kb.entry import Entry


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


def read_raw_entries(path: Path) -> list[RawEntry]:
    """Every entry mapping in the files at `path`, with the file it came from."""
    raw: list[RawEntry] = []
    for file in kb_files(path):
        try:
            doc = yaml.safe_load(file.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            raise KBFileError(f"{file}: not valid YAML text: {error}") from error
        entries = doc.get("entries") if isinstance(doc, dict) else None
        if not isinstance(entries, list):
            raise KBFileError(f"{file}: expected a mapping with a list under 'entries'")
        for item in entries:
            raw.append(RawEntry(str(file), item if isinstance(item, dict) else {"_invalid": item}))
    return raw


def write_entries(entries: Iterable[Entry], path: Path) -> int:
    """Write `entries` as one YAML file at `path`; returns how many were written."""
    rows = [e.to_dict() for e in sorted(entries, key=lambda e: (e.category, e.id))]
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump({"entries": rows}, sort_keys=False, allow_unicode=True, width=100)
    path.write_text(text, encoding="utf-8")
    return len(rows)
