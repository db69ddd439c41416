"""The publish gate: what an edit or an import would change in the bot's answers, before it takes effect.

The KB's regression set (every live entry's own question variants, plus the golden questions of
kb.golden) is asked of the live KB and of the KB with the change, and each question whose outcome
differs is listed: answered by another entry, or now a clarify or a "don't know". Both sides are
the shared fit the bot serves (kb.fits) with edits patched in, as kb.service does between refits,
so a check never refits: the questions are encoded once per fit and scored against both indexes.

Also the editor's "try a question": the decision and the top entries under a draft, beside the
live KB's.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from kb.decide import Decision, decide
from kb.encoder import Encoder
from kb.entry import Entry
from kb.fits import FitStore
from kb.golden import GoldenStore
from kb.index import Fit, Hit, RetrievalIndex, fitted_text
from kb.retrieval_config import RetrievalConfig
from kb.service import index_for
from kb.store import KBStore, Snapshot
from protocol.replies import ANSWER, CLARIFY, ReplyKind

TRY_HITS = 5  # entries the editor's try panel lists per side


@dataclass(frozen=True)
class Question:
    """One question of the regression set and the entry that should answer it."""

    text: str
    expected: str  # entry id
    golden: bool  # a golden question (else one of the entry's own variants)


@dataclass(frozen=True)
class Outcome:
    """What the bot does with a question: answer one entry, clarify (offer choices) or don't know.

    Outcomes are compared by kind and answered entry: the choices a clarify offers are shown, not
    compared, so a reshuffled set of buttons is not a change to confirm.
    """

    kind: ReplyKind
    entry: str = ""  # the answered entry
    choices: tuple[str, ...] = ()  # offered in a clarify

    @classmethod
    def of(cls, decision: Decision) -> Outcome:
        ids = tuple(h.entry_id for h in decision.hits)
        return cls(decision.kind, ids[0]) if decision.kind == ANSWER else cls(decision.kind, choices=ids)

    def same_as(self, other: Outcome) -> bool:
        return self.kind == other.kind and self.entry == other.entry


@dataclass(frozen=True)
class Change:
    """A question whose outcome the change would alter."""

    question: Question
    before: Outcome
    after: Outcome


@dataclass(frozen=True)
class Report:
    """What a change would do to the regression set, checked against the live KB at `version`."""

    version: int
    checked: int  # questions asked
    changes: tuple[Change, ...]
    fitted: bool = True  # False: no fit is stored yet (nothing has served this KB), nothing was checked

    def token(self) -> str:
        """A digest of exactly this report: a confirmation holds for it, not for a later one."""
        rows = [self.version, [asdict(c) for c in self.changes]]
        return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()[:24]

    def to_json(self) -> list[dict]:
        """The changes as plain rows (kept with a confirmed publish, printed by `kb import --check --json`)."""
        return [{"question": c.question.text, "expected": c.question.expected, "golden": c.question.golden,
                 "before": asdict(c.before), "after": asdict(c.after)} for c in self.changes]


@dataclass(frozen=True)
class Trial:
    """One question under the live KB and under a draft: decision and top entries with scores."""

    live: Outcome
    live_hits: tuple[Hit, ...]
    draft: Outcome
    draft_hits: tuple[Hit, ...]


def regression_set(entries: Mapping[str, Entry], golden: GoldenStore) -> list[Question]:
    """Every entry's own variants, then the golden questions (a golden question that is also a
    variant of its entry is asked once)."""
    questions = [Question(q, e.id, False) for e in sorted(entries.values(), key=lambda e: e.id) for q in e.questions]
    seen = {(q.text, q.expected) for q in questions}
    return questions + [Question(g.question, g.entry, True) for g in golden.all() if (g.question, g.entry) not in seen]


def changed_entries(live: Mapping[str, Entry], after: Mapping[str, Entry]) -> dict[str, Entry | None]:
    """The entries whose retrieval differs between two KBs (title or questions; None: not in `after`).

    An edit of the answer, tags or owner alone changes no outcome, and costs no check.
    """
    def read(entry: Entry | None) -> str | None:
        return fitted_text(entry) if entry else None
    return {i: after.get(i) for i in sorted(set(live) | set(after)) if read(live.get(i)) != read(after.get(i))}


def describe(outcome: Outcome, titles: Mapping[str, str] | None = None) -> str:
    """An outcome in words: the answering entry, the choices of a clarify, or "don't know"."""
    def name(entry_id: str) -> str:
        return titles.get(entry_id, entry_id) if titles else entry_id
    if outcome.kind == ANSWER:
        return name(outcome.entry)
    if outcome.kind == CLARIFY:
        return f"clarify ({', '.join(map(name, outcome.choices))})"
    return "don't know"


class Gate:
    """Runs the regression set against a changed KB. One per process: it keeps the loaded fit, the
    live index and the questions' vectors between checks."""

    def __init__(self, store: KBStore, encoder: Encoder, config: RetrievalConfig, make_fit: bool = False) -> None:
        """`make_fit`: with no fit stored, make one here (the `kb` command, as `kb search` does); the
        desk instead publishes unchecked, saying so (nothing has served the KB yet)."""
        self._golden = GoldenStore(store.client)
        self._fits = FitStore(store.client, encoder, config)
        self._config = config
        self._make_fit = make_fit
        self._lock = threading.Lock()
        self._fit: Fit | None = None
        self._live: tuple[str, int, RetrievalIndex] | None = None  # fit key, version, index
        self._vectors: dict[str, np.ndarray] = {}  # question text -> vector under self._fit

    def check(self, snapshot: Snapshot, after: Mapping[str, Entry]) -> Report:
        """The questions whose outcome differs between the live KB (`snapshot`) and `after`."""
        questions = regression_set(snapshot.entries, self._golden)
        changed = changed_entries(snapshot.entries, after)
        with self._lock:
            live = self._live_index(snapshot) if changed and questions else None
            if live is None:
                return Report(snapshot.version, len(questions), (), fitted=not (changed and questions))
            draft = live.patched(changed)
            embedded = self._embedded([q.text for q in questions])
        k = max(self._config.thresholds.clarify_max, 2)
        thresholds = self._config.thresholds
        before = [Outcome.of(decide(h, thresholds)) for h in live.search_embedded(embedded, k)]
        now = [Outcome.of(decide(h, thresholds)) for h in draft.search_embedded(embedded, k)]
        changes = tuple(Change(q, b, a) for q, b, a in zip(questions, before, now, strict=True) if not b.same_as(a))
        return Report(snapshot.version, len(questions), changes)

    def warm(self, snapshot: Snapshot) -> None:
        """Load the fit and encode the regression set now, so the first check is as quick as the rest."""
        with self._lock:
            questions = [q.text for q in regression_set(snapshot.entries, self._golden)]
            if questions and self._live_index(snapshot) is not None:
                self._embedded(questions)

    def trial(self, snapshot: Snapshot, after: Mapping[str, Entry], question: str) -> Trial | None:
        """`question` under the live KB and under `after` (None if no fit is stored yet)."""
        with self._lock:
            live = self._live_index(snapshot)
            if live is None:
                return None
            draft = live.patched(changed_entries(snapshot.entries, after))
            embedded = self._embedded([question])
        thresholds = self._config.thresholds
        k = max(TRY_HITS, thresholds.clarify_max)
        [live_hits], [draft_hits] = live.search_embedded(embedded, k), draft.search_embedded(embedded, k)
        return Trial(Outcome.of(decide(live_hits, thresholds)), tuple(live_hits[:TRY_HITS]),
                     Outcome.of(decide(draft_hits, thresholds)), tuple(draft_hits[:TRY_HITS]))

    def _live_index(self, snapshot: Snapshot) -> RetrievalIndex | None:
        """The live KB's index: the latest shared fit with the edits since patched in (kept per version)."""
        latest = self._fits.latest_key()
        if self._fit is None or self._fit.key != latest:
            fit = self._fits.load(latest) if latest else None
            if fit is None and self._make_fit:
                fit = self._fits.obtain(list(snapshot.entries.values()))
            if fit is None:
                return None
            self._fit, self._live, self._vectors = fit, None, {}
        if self._live is None or self._live[:2] != (self._fit.key, snapshot.version):
            self._live = (self._fit.key, snapshot.version, index_for(self._fit, snapshot.entries, self._config))
        return self._live[2]

    def _embedded(self, texts: Sequence[str]) -> np.ndarray:
        """The texts' vectors under the fit's model; each text is encoded once per fit."""
        assert self._fit is not None
        new = sorted({t for t in texts if t not in self._vectors})
        if new:
            self._vectors.update(zip(new, self._fit.encoder.encode(new), strict=True))
        if len(self._vectors) > 4 * len(texts) + 1000:  # questions edited away: forget them
            self._vectors = {t: self._vectors[t] for t in texts}
        return np.stack([self._vectors[t] for t in texts])


def report_lines(report: Report) -> list[str]:
    """The report as the `kb` command prints it: one line per changed question."""
    if not report.fitted:
        return ["not checked: no fit is stored yet (nothing has answered from this KB)"]
    if not report.changes:
        return [f"no answer would change ({report.checked} questions checked)"]
    lines = [f"{len(report.changes)} of {report.checked} questions would be answered differently:"]
    for c in report.changes:
        kind = "golden question for" if c.question.golden else "variant of"
        lines.append(f"  {c.question.text!r} ({kind} {c.question.expected}): "
                     f"{describe(c.before)} -> {describe(c.after)}")
    return lines
