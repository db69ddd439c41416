"""Measures retrieval and answer/clarify/don't-know decisions on labelled queries."""

from __future__ import annotations

import csv
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from kb.decide import Decision, decide
from kb.encoder import Encoder
from kb.entry import Entry
from kb.index import Hit, RetrievalIndex
from kb.retrieval_config import RetrievalConfig

OOS_LABEL = "oos"
IN_SCOPE_OUTCOMES = ("correct_answer", "wrong_answer", "clarify_with_right", "clarify_without_right", "dont_know")
OOS_OUTCOMES = ("answered", "clarify", "dont_know")
SEARCH_K = 5
CHUNK = 256  # queries per batched search; also the progress-bar step
LATENCY_SAMPLES = 20


@dataclass(frozen=True)
class Query:
    """A labelled question: label is an entry id or "oos"; group is e.g. "in_scope", "id-oos" or ""."""

    text: str
    label: str
    group: str = ""


def read_queries(path: Path) -> list[Query]:
    """Queries from a CSV with columns text,label and an optional group column."""
    with Path(path).open(newline="", encoding="utf-8") as handle:
        return [Query(r["text"], r["label"], r.get("group") or "") for r in csv.DictReader(handle)]


@dataclass
class EvalReport:
    """Retrieval quality, the decision table and timings for one KB and query set."""

    queries: int
    in_scope: int
    top1: float
    top3: float
    mrr: float
    in_scope_outcomes: dict[str, int]
    oos_outcomes: dict[str, dict[str, int]]
    build_seconds: float
    batched_ms_per_query: float
    single_query_ms: float
    derived: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """All figures as a JSON-ready mapping."""
        return dict(vars(self))

    def format_text(self) -> str:
        """A readable table of the figures."""
        lines = [
            f"queries: {self.queries} ({self.in_scope} in scope)",
            f"retrieval (in scope): top-1 {self.top1:.4f}  top-3 {self.top3:.4f}  MRR {self.mrr:.4f}",
            "",
            f"{'in-scope decisions':<24}{'count':>8}{'share':>9}",
        ]
        for name in IN_SCOPE_OUTCOMES:
            count = self.in_scope_outcomes[name]
            lines.append(f"{name:<24}{count:>8}{_share(count, self.in_scope):>9.1%}")
        if self.oos_outcomes:
            lines += ["", f"{'out-of-scope group':<24}" + "".join(f"{o:>11}" for o in OOS_OUTCOMES)]
            for group, counts in sorted(self.oos_outcomes.items()):
                total = sum(counts.values())
                lines.append(f"{group:<24}" + "".join(f"{_share(counts[o], total):>11.1%}" for o in OOS_OUTCOMES))
        lines += ["", "derived figures:"] + [f"  {name:<40}{value:.4f}" for name, value in self.derived.items()]
        lines += [
            "",
            f"build {self.build_seconds:.2f} s; search {self.batched_ms_per_query:.2f} ms/query batched, "
            f"{self.single_query_ms:.1f} ms for one query (median)",
        ]
        return "\n".join(lines)


def _share(count: float, total: int) -> float:
    return count / total if total else 0.0


def in_scope_outcome(decision: Decision, label: str) -> str:
    """Which in-scope outcome a decision is for a query whose right entry is `label`."""
    ids = [h.entry_id for h in decision.hits]
    if decision.kind == "answer":
        return "correct_answer" if ids == [label] else "wrong_answer"
    if decision.kind == "clarify":
        return "clarify_with_right" if label in ids else "clarify_without_right"
    return "dont_know"


def oos_outcome(decision: Decision) -> str:
    """Which out-of-scope outcome a decision is (any answer is a wrong one)."""
    return {"answer": "answered", "clarify": "clarify", "dont_know": "dont_know"}[decision.kind]


def _search_all(index: RetrievalIndex, queries: Sequence[Query], progress: bool) -> list[list[Hit]]:
    hits: list[list[Hit]] = []
    with tqdm(total=len(queries), desc="searching", unit="q", file=sys.stderr, disable=not progress) as bar:
        for start in range(0, len(queries), CHUNK):
            chunk = queries[start:start + CHUNK]
            hits += index.search_many([q.text for q in chunk], SEARCH_K)
            bar.update(len(chunk))
    return hits


def evaluate(
    entries: Sequence[Entry], queries: Sequence[Query], encoder: Encoder, config: RetrievalConfig,
    progress: bool = False,
) -> EvalReport:
    """Build the index for `entries`, run every query and tally ranks and decisions.

    Args:
        entries: the KB.
        queries: labelled queries (label "oos" for questions the KB should not answer).
        encoder: the sentence encoder.
        config: retrieval knobs and thresholds.
        progress: show a progress bar on stderr.
    """
    started = time.perf_counter()
    index = RetrievalIndex.build(entries, encoder, config)
    build_seconds = time.perf_counter() - started

    started = time.perf_counter()
    all_hits = _search_all(index, queries, progress)
    batched_ms = 1000 * (time.perf_counter() - started) / max(len(queries), 1)
    single_ms = _single_query_ms(index, queries)

    in_scope = Counter({name: 0 for name in IN_SCOPE_OUTCOMES})
    oos: dict[str, Counter] = {}
    ranks: list[int | None] = []
    for query, hits in zip(queries, all_hits, strict=True):
        decision = decide(hits, config.thresholds)
        if query.label == OOS_LABEL:
            group = oos.setdefault(query.group or OOS_LABEL, Counter({name: 0 for name in OOS_OUTCOMES}))
            group[oos_outcome(decision)] += 1
            continue
        in_scope[in_scope_outcome(decision, query.label)] += 1
        ids = [h.entry_id for h in hits]
        ranks.append(ids.index(query.label) + 1 if query.label in ids else None)

    n = len(ranks)
    report = EvalReport(
        queries=len(queries), in_scope=n,
        top1=_share(sum(r == 1 for r in ranks), n),
        top3=_share(sum(r is not None and r <= 3 for r in ranks), n),
        mrr=_share(sum(1 / r for r in ranks if r is not None), n),
        in_scope_outcomes=dict(in_scope), oos_outcomes={g: dict(c) for g, c in oos.items()},
        build_seconds=build_seconds, batched_ms_per_query=batched_ms, single_query_ms=single_ms,
    )
    report.derived = derived_figures(report)
    return report


def _single_query_ms(index: RetrievalIndex, queries: Sequence[Query]) -> float:
    # The live path: one query at a time, unbatched.
    samples = []
    for query in queries[:LATENCY_SAMPLES]:
        started = time.perf_counter()
        index.search(query.text, SEARCH_K)
        samples.append(1000 * (time.perf_counter() - started))
    return statistics.median(samples) if samples else 0.0


def derived_figures(report: EvalReport) -> dict[str, float]:
    """The figures the product targets are stated in."""
    outcomes, n = report.in_scope_outcomes, report.in_scope
    answers = outcomes["correct_answer"] + outcomes["wrong_answer"]
    figures = {
        "in_scope_right_answer": _share(outcomes["correct_answer"], n),
        "in_scope_right_answer_or_in_clarify": _share(outcomes["correct_answer"] + outcomes["clarify_with_right"], n),
        "in_scope_answer_precision": _share(outcomes["correct_answer"], answers),
    }
    for group, counts in sorted(report.oos_outcomes.items()):
        figures[f"{group}_answered"] = _share(counts["answered"], sum(counts.values()))
    return figures
