"""Builds evaluation inputs (a KB file and a queries CSV) from the shared tuning data sets.

Each set is written to OUTDIR/<name>/kb.yml (the kb/content format) and OUTDIR/<name>/queries.csv.
Question variants are drawn at random with a fixed seed; every other row becomes a query.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
from collections import defaultdict
from pathlib import Path

from kb.entry import Entry
from kb.files import read_raw_entries, write_entries
from kb.validate import validate

EVAL_ROOT = Path("/work/shared/eval")
VARIANTS_PER_ENTRY = 10
OOS_LABEL = "oos"


def entry_id(category: str) -> str:
    """A KB id for a data-set category: ids allow only lowercase letters, digits and dashes."""
    return re.sub(r"[^a-z0-9]+", "-", category.lower()).strip("-")


def _normalised(text: str) -> str:
    # The same key kb.validate uses to reject a question variant shared by two entries.
    return " ".join(text.lower().split())


def _entry(category: str, questions: list[str]) -> Entry:
    return Entry(
        id=entry_id(category), title=category.replace("_", " "), category="banking", tags=("banking",),
        owner="eval", last_reviewed="2026-01-01", questions=tuple(questions),
        answer="Placeholder answer for evaluation.", related=(),
    )


def split_variants(rows: list[tuple[str, str]], seed: int) -> tuple[list[Entry], list[tuple[str, str]]]:
    """One entry per category with VARIANTS_PER_ENTRY random texts; returns (entries, remaining rows).

    A text already used as a variant (by any entry, after case/space folding) is skipped so the KB
    passes kb.validate; skipped rows stay queries. Categories are visited in sorted order so the
    result depends only on the rows and the seed.
    """
    by_category: dict[str, list[int]] = defaultdict(list)
    for i, (_, category) in enumerate(rows):
        by_category[category].append(i)
    rng = random.Random(seed)
    used: set[str] = set()
    chosen: set[int] = set()
    entries = []
    for category in sorted(by_category):
        order = list(by_category[category])
        rng.shuffle(order)
        questions: list[str] = []
        for i in order:
            key = _normalised(rows[i][0])
            if len(questions) == VARIANTS_PER_ENTRY or key in used:
                continue
            used.add(key)
            chosen.add(i)
            questions.append(rows[i][0].strip())
        entries.append(_entry(category, questions))
    return entries, [row for i, row in enumerate(rows) if i not in chosen]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _write_set(outdir: Path, entries: list[Entry], queries: list[dict[str, str]]) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    write_entries(entries, outdir / "kb.yml")
    _, problems = validate(read_raw_entries(outdir / "kb.yml"))
    if problems:
        raise ValueError(f"{outdir / 'kb.yml'} does not validate: {problems[0]}")
    with (outdir / "queries.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(queries[0]))
        writer.writeheader()
        writer.writerows(queries)


def build_banking77(outdir: Path, source: Path = EVAL_ROOT / "banking77", seed: int = 0) -> None:
    """BANKING77: 77 entries from train.csv; every other row is a query (text,label)."""
    rows = [(r["text"], r["category"]) for r in _read_csv(source / "train.csv")]
    entries, rest = split_variants(rows, seed)
    _write_set(outdir, entries, [{"text": t, "label": entry_id(c)} for t, c in rest])


def build_banking77_oos(outdir: Path, source: Path = EVAL_ROOT / "banking77_oos", seed: int = 0) -> None:
    """BANKING77-OOS: entries from in-scope train rows; queries are all valid rows (text,label,group)."""
    train = [(r["text"], r["label"]) for r in _read_csv(source / "train.csv") if r["subset"] == "in_scope"]
    entries, _ = split_variants(train, seed)
    queries = [
        {"text": r["text"], "label": OOS_LABEL if r["label"] == OOS_LABEL else entry_id(r["label"]),
         "group": r["subset"]}
        for r in _read_csv(source / "valid.csv")
    ]
    _write_set(outdir, entries, queries)


def main(argv: list[str] | None = None) -> None:
    """Command line: python -m kb.eval_sets OUTDIR [--seed N] [--source DIR]."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--source", type=Path, default=EVAL_ROOT)
    args = parser.parse_args(argv)
    build_banking77(args.outdir / "banking77", args.source / "banking77", args.seed)
    build_banking77_oos(args.outdir / "banking77_oos", args.source / "banking77_oos", args.seed)
    print(f"wrote {args.outdir / 'banking77'} and {args.outdir / 'banking77_oos'}")


if __name__ == "__main__":
    main()
