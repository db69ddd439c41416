"""How long the publish gate (kb.gate) takes on the sample KB: the first check of a process (the fit
loaded, the regression set encoded) and then each check of an edit, as the desk's editor runs it.

Runs on a throw-away Redis with the sample KB and its fit stored. `python -m bench.kb_gate [EDITS]`;
writes .data/bench/kb_gate.md.
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
import time

from bench.kb_common import OUT, client, sample_kb, throwaway_redis
from infra.settings import load_settings
from kb.encoder import Encoder
from kb.fits import FitStore
from kb.gate import Gate
from kb.retrieval_config import RetrievalConfig
from kb.store import KBStore

EDITS = 20


def timings(edits: int) -> tuple[float, list[float], int]:
    """Seconds of the first check, of each later one, and how many questions each ran."""
    settings = load_settings()
    config = RetrievalConfig.load()
    encoder = Encoder(settings.embedding_model, settings.torch_threads)
    entries = sample_kb()
    with throwaway_redis() as url:
        store = KBStore(client(url))
        store.save(entries, replace=True)
        FitStore(store.client, encoder, config).obtain(entries)  # as the serving processes leave it
        gate = Gate(store, encoder, config)
        snapshot = store.snapshot()
        checks: list[float] = []
        checked = 0
        for n in range(edits + 1):
            # Each edit adds a variant to another entry (one borrowed from its neighbour: a likely steal).
            entry, other = entries[n % len(entries)], entries[(n + 1) % len(entries)]
            edited = dataclasses.replace(entry, questions=entry.questions + (other.questions[0] + " please",))
            started = time.perf_counter()
            report = gate.check(snapshot, {**snapshot.entries, entry.id: edited})
            checks.append(time.perf_counter() - started)
            checked = report.checked
    return checks[0], checks[1:], checked


def main() -> None:
    edits = int(sys.argv[1]) if len(sys.argv) > 1 else EDITS
    first, rest, checked = timings(edits)
    lines = [
        "# Publish gate on the sample KB", "",
        f"{checked} questions per check (every variant and golden question), {edits} edits.", "",
        f"- first check of a process (fit loaded, questions encoded): {first:.2f} s",
        f"- each later check: median {statistics.median(rest):.3f} s, max {max(rest):.3f} s",
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "kb_gate.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
