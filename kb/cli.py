"""The `kb` command: move the knowledge base between files and Redis, check, search, evaluate."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Iterable
from pathlib import Path

from redis.exceptions import RedisError

from infra.redis_client import connect
from infra.settings import load_settings
from kb.encoder import Encoder
from kb.entry import Entry
from kb.files import KBFileError, read_golden, read_raw_entries, write_entries
from kb.golden import GoldenStore
from kb.history import record_published
from kb.retrieval_config import RetrievalConfig
from kb.store import KBStore
from kb.validate import validate


def _store() -> KBStore:
    return KBStore(connect(load_settings().redis))


def _encoder() -> Encoder:
    settings = load_settings()
    return Encoder(settings.embedding_model, settings.torch_threads)


def _who(command: str) -> str:
    """Who ran `command`, as history records it."""
    try:
        return f"{command} ({getpass.getuser()})"
    except (KeyError, OSError):  # no login name in a bare container
        return command


def _load_valid(path: Path, known_ids: Iterable[str] = ()) -> list[Entry]:
    """The entries at `path`, or exit 1 after printing every problem."""
    entries, problems = validate(read_raw_entries(path), known_ids)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) found; nothing was changed.", file=sys.stderr)
        sys.exit(1)
    return entries


def cmd_validate(args: argparse.Namespace) -> None:
    entries = _load_valid(args.path)
    print(f"{args.path}: {len(entries)} entries, no problems")
    if args.overlaps:
        from kb.overlap import QuestionVectors, find_overlaps

        found = find_overlaps(entries, QuestionVectors(_encoder()))
        for o in found:
            print(f"warning: '{o.first}' and '{o.second}' overlap ({o.similarity:.2f}): "
                  f"{o.first_question!r} / {o.second_question!r}; make sure their answers agree, or merge them")
        print(f"{len(found)} overlapping pair(s)")


def cmd_import(args: argparse.Namespace) -> None:
    from kb.gate import Gate, report_lines

    store = _store()
    snapshot = store.snapshot()
    # Added to the store, an entry may relate to entries already there; a replace stands alone.
    entries = _load_valid(args.path, () if args.replace else snapshot.entries)
    after = {**({} if args.replace else snapshot.entries), **{e.id: e for e in entries}}
    golden = read_golden(args.path)
    if unknown := sorted({g.entry for g in golden} - set(after)):
        print(f"golden questions name entries that do not exist: {', '.join(unknown)}; nothing was changed.",
              file=sys.stderr)
        sys.exit(1)
    # The publish gate: what the change would do to the KB's regression set, before it takes effect.
    report = Gate(store, _encoder(), RetrievalConfig.load(), make_fit=True).check(snapshot, after)
    print("\n".join(report_lines(report)))
    if args.check:
        sys.exit(1 if report.changes else 0)
    if report.changes and not args.accept_changes:
        print("refused: answers would change; nothing was changed. Import with --accept-changes to publish anyway.",
              file=sys.stderr)
        sys.exit(1)
    version = store.save(entries, replace=args.replace)
    if report.changes:
        ids = sorted(i for i in set(snapshot.entries) | set(after) if snapshot.entries.get(i) != after.get(i))
        record_published(store.client, version, ids, _who("kb import"), report.to_json())
    GoldenStore(store.client).add_many(golden)
    mode = "replaced the knowledge base with" if args.replace else "imported"
    print(f"{mode} {len(entries)} entries (knowledge base version {version}, {store.count()} entries in all)"
          + (f" and {len(golden)} golden questions" if golden else ""))


def cmd_export(args: argparse.Namespace) -> None:
    store = _store()
    snapshot = store.snapshot()
    golden = GoldenStore(store.client).all()
    count = write_entries(snapshot.entries.values(), args.path, golden)
    print(f"exported {count} entries and {len(golden)} golden questions (version {snapshot.version}) to {args.path}")


def cmd_golden(args: argparse.Namespace) -> None:
    store = _store()
    golden = GoldenStore(store.client)
    if args.action == "add":
        if store.get(args.entry) is None:
            print(f"error: there is no entry '{args.entry}'", file=sys.stderr)
            sys.exit(1)
        try:
            saved = golden.add(args.question, args.entry, _who("kb golden"))
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            sys.exit(1)
        print(f"golden question {saved.question!r} -> {saved.entry}")
    elif args.action == "remove":
        if not golden.remove(args.question):
            print(f"error: no golden question {args.question!r}", file=sys.stderr)
            sys.exit(1)
        print(f"removed golden question {args.question!r}")
    else:
        rows = [g for g in golden.all() if args.entry in (None, g.entry)]
        if args.json:
            print(json.dumps([{"question": g.question, "entry": g.entry} for g in rows], indent=2))
        for g in [] if args.json else rows:
            print(f"{g.entry:32s} {g.question}")


def cmd_stats(args: argparse.Namespace) -> None:
    from kb.outcomes import COLUMNS, EntryOutcomes, rows

    store = _store()
    table = rows(store.snapshot().entries, EntryOutcomes(store.client).table(args.days))
    if args.json:
        print(json.dumps([counts.to_dict() for counts in table], indent=2))
        return
    print(f"outcomes per entry over the last {args.days} day(s), today included (UTC)")
    print(f"{COLUMNS[0]:32s}" + "".join(f"{name:>14s}" for name in COLUMNS[1:]))
    for counts in table:
        values = counts.to_dict()
        print(f"{counts.id:32s}" + "".join(f"{values[name]:>14}" for name in COLUMNS[1:]))


def _days(text: str) -> int:
    days = int(text)
    if not 1 <= days <= 90:
        raise argparse.ArgumentTypeError("the period is 1 to 90 days")
    return days


def cmd_search(args: argparse.Namespace) -> None:
    from kb.service import KnowledgeBase

    # The fit every replica serves (kb.fits), with the edits made since patched in.
    kb = KnowledgeBase(_store(), _encoder(), RetrievalConfig.load())
    try:
        result = kb.ask(args.text, k=args.k)
    finally:
        kb.close()
    chosen = [h.entry_id for h in result.decision.hits]
    if args.json:
        hits = [{"id": h.entry_id, "title": result.entries[h.entry_id].title, "score": round(h.score, 4)}
                for h in result.hits]
        print(json.dumps({"decision": result.decision.kind, "chosen": chosen, "hits": hits}, indent=2))
        return
    print(f"decision: {result.decision.kind}" + (f" ({', '.join(chosen)})" if chosen else ""))
    for hit in result.hits:
        mark = "*" if hit.entry_id in chosen else " "
        print(f" {mark} {hit.score:.3f}  {hit.entry_id:32s} {result.entries[hit.entry_id].title}")


def cmd_eval(args: argparse.Namespace) -> None:
    from kb.evaluate import evaluate, read_queries

    entries = _load_valid(args.kb)
    report = evaluate(entries, read_queries(args.queries), _encoder(), RetrievalConfig.load(), progress=not args.json)
    print(json.dumps(report.to_json(), indent=2) if args.json else report.format_text())


def parser() -> argparse.ArgumentParser:
    """The command line: one subcommand per job."""
    root = argparse.ArgumentParser(prog="kb", description=__doc__)
    sub = root.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="check KB files; exit 1 listing every problem")
    p.add_argument("path", type=Path)
    p.add_argument("--overlaps", action="store_true",
                   help="also warn about entries whose questions are nearly the same (loads the model)")
    p.set_defaults(run=cmd_validate)
    p = sub.add_parser("import", help="load KB files into Redis (edits take effect at once)")
    p.add_argument("path", type=Path)
    p.add_argument("--replace", action="store_true", help="remove entries that are not in PATH")
    p.add_argument("--check", action="store_true",
                   help="change nothing: list the questions whose answer would change; exit 1 if any")
    p.add_argument("--accept-changes", action="store_true",
                   help="publish even though answers change (the confirmation is recorded)")
    p.set_defaults(run=cmd_import)
    p = sub.add_parser("export", help="write the KB in Redis (and its golden questions) to one YAML file")
    p.add_argument("path", type=Path)
    p.set_defaults(run=cmd_export)
    p = sub.add_parser("golden", help="golden questions: a question and the entry that must answer it")
    golden = p.add_subparsers(dest="action", required=True)
    g = golden.add_parser("add", help="save a golden question")
    g.add_argument("question")
    g.add_argument("entry", help="the id of the entry that must answer it")
    g = golden.add_parser("list", help="list golden questions")
    g.add_argument("--entry", help="only this entry's")
    g.add_argument("--json", action="store_true")
    g = golden.add_parser("remove", help="forget a golden question")
    g.add_argument("question")
    p.set_defaults(run=cmd_golden)
    p = sub.add_parser("stats", help="outcomes per entry: answered, offered, chosen, helped, not, what followed")
    p.add_argument("--days", type=_days, default=30, help="the period, 1 to 90 days (default 30)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_stats)
    p = sub.add_parser("search", help="show the decision and top entries for a question")
    p.add_argument("text")
    p.add_argument("-k", type=int, default=5, help="how many entries to list")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_search)
    p = sub.add_parser("eval", help="evaluate retrieval on a KB file and a CSV of text,label")
    p.add_argument("--kb", type=Path, required=True, help="KB file or folder (never the live store)")
    p.add_argument("--queries", type=Path, required=True, help="CSV with text,label[,group]; label oos = not in the KB")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_eval)
    return root


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `kb` command."""
    args = parser().parse_args(argv)
    try:
        args.run(args)
    except KBFileError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
    except RedisError as error:
        print(f"error: Redis: {error}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
