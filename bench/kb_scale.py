"""Knowledge-base scale benchmark (`make bench-kb`): synthetic KBs of 1,000 to 100,000 entries.

For each size, on its own throw-away Redis: the fit (time, peak memory; in a process of its own),
a patch of one edit, search latency; then two serving processes (as two action-server replicas)
load the stored fit, 20 customer sessions ask questions in the first, and edits are saved as the
desk's editor saves them: the time from the save returning to each replica answering the edited
question with the new text, and the sessions' latencies without edits, during them and during the
refit that follows. Output: .data/bench/kb_report.md with plots. `python -m bench.kb_scale [SIZES...]`.

Each size's figures are also kept in .data/bench/kb_scale_<size>.json, and the report shows every
size on record (each column dated), so a size run on its own (100,000 takes hours) joins the others.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import platform
import random
import sys
import time
from pathlib import Path
from typing import Any

from bench.kb_common import OUT, client, throwaway_redis
from bench.kb_replica import THINK, fit_process, replica_process
from bench.kb_synthetic import VARIANTS, edit, synthetic_kb
from bench.report import boxplot, plt, summary
from infra.settings import load_settings
from kb.store import KBStore, fingerprint
from launcher.stack import KB_MEMORY

SIZES = (1_000, 10_000, 100_000)
QUIET_SECONDS = 20.0
EDITS = 20
EDIT_GAP = 1.0  # seconds between edits: a burst, so the refit waits until they stop
REFIT_WAIT = 600.0  # seconds the sessions go on during the refit: 10,000 entries refit in ~6 min, 100,000 in ~50
# From this size on, the benchmark's Redis is kept in .data/bench/kb_redis_<size> with its fit, and
# a later run reuses that fit (and its recorded fit figures) instead of fitting for an hour again.
KEEP_FIT_FROM = 100_000
FIT_FIGURES = ("fit_s", "rss_before_fit_mb", "fit_peak_mb", "store_s")  # taken over when a fit is reused


class Replica:
    """A serving process (bench.kb_replica.replica_process) and its end of the pipe."""

    def __init__(self, url: str) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipe, theirs = context.Pipe()
        self.process = context.Process(target=replica_process, args=(url, theirs), daemon=True)
        self.process.start()
        self.started: dict[str, float] = self.pipe.recv()

    def ask(self, *command: Any) -> Any:
        self.pipe.send(command)
        return self.pipe.recv()

    def close(self) -> None:
        if self.process.is_alive():
            self.pipe.send(("exit",))
            self.process.join(30)
        if self.process.is_alive():
            self.process.kill()


def fitted(url: str, earlier: dict[str, Any] | None) -> dict[str, Any]:
    """Fit in a process of its own (its peak memory is the fit's) and return its figures; or, given
    the `earlier` figures of this size and a kept Redis holding that fit, reuse the fit and its figures."""
    context = multiprocessing.get_context("spawn")
    mine, theirs = context.Pipe()
    process = context.Process(target=fit_process, args=(url, theirs, earlier is not None))
    process.start()
    figures = mine.recv()
    process.join()
    if figures["fit_reused"]:
        assert earlier is not None
        figures |= {key: earlier[key] for key in FIT_FIGURES}
        figures["fit_reused"] = earlier.get("fit_reused") or earlier["run_at"]
    return figures


def edits_live(store: KBStore, replicas: list[Replica], model_dir: Path) -> list[list[float]]:
    """EDITS saves, alternately a new entry and an edited one: seconds until each replica answers."""
    rng = random.Random(4)
    ids = sorted(store.snapshot().entries)
    seconds: list[list[float]] = []
    for n in range(EDITS):
        current = store.get(rng.choice(ids)) if n % 2 else None
        entry, question = edit(current, n, model_dir)
        for replica in replicas:
            replica.pipe.send(("watch", question, entry.id, entry.answer))
        for replica in replicas:
            assert replica.pipe.recv() == "watching"
        store.save_entry(entry, fingerprint(current), by="bench")
        saved = time.time()
        live = [replica.pipe.recv() for replica in replicas]
        seconds.append([at - saved if isinstance(at, float) else float("inf") for at in live])
        print(f"edit {n + 1} ({entry.id}): live after " + ", ".join(f"{s:.2f}" for s in seconds[-1]) + " s",
              flush=True)
        for ranked in (at for at in live if isinstance(at, str)):
            print(f"  never live: {question!r} ranked {ranked}", flush=True)
        time.sleep(EDIT_GAP)
    return seconds


def run_size(size: int, model_dir: Path) -> dict[str, Any]:
    """Every figure for a KB of `size` entries."""
    started = time.monotonic()
    entries = synthetic_kb(size, model_dir)
    kept = OUT / f"kb_redis_{size}" if size >= KEEP_FIT_FROM else None
    with throwaway_redis(kept) as url:
        store = KBStore(client(url))
        store.save(entries, replace=True)  # the synthetic KB again, without an earlier run's edits
        recorded_before = OUT / f"kb_scale_{size}.json"
        figures = fitted(url, recorded(recorded_before) if kept and recorded_before.exists() else None)
        how = f"fit reused (made {figures['fit_reused']})" if figures["fit_reused"] else "fitted"
        print(f"{size}: {how} in {figures['fit_s']:.0f} s (peak RSS {figures['fit_peak_mb']:.0f} MB)", flush=True)
        replicas = [Replica(url), Replica(url)]
        try:
            first = replicas[0]
            fitted_key = first.ask("fit_key")
            figures["load_s"] = [r.started["load_s"] for r in replicas]
            figures["rss_loaded_mb"] = [r.started["rss_mb"] for r in replicas]
            print(f"{size}: replicas serving", flush=True)
            first.ask("sessions")
            time.sleep(QUIET_SECONDS)
            figures["ask_quiet_ms"] = first.ask("stop_sessions")
            first.ask("sessions")
            live = edits_live(store, replicas, model_dir)
            figures["ask_edits_ms"] = first.ask("stop_sessions")
            figures["live_first_ms"] = [1000 * s[0] for s in live]
            figures["live_both_ms"] = [1000 * max(s) for s in live]
            first.ask("sessions")
            waited, figures["refit_s"], figures["refit_wait_s"] = time.monotonic(), None, REFIT_WAIT
            while time.monotonic() - waited < REFIT_WAIT:
                time.sleep(1.0)
                if all(r.ask("fit_key") != fitted_key for r in replicas):
                    figures["refit_s"] = time.monotonic() - waited + EDIT_GAP  # from the last edit
                    break
            figures["ask_refit_ms"] = first.ask("stop_sessions")
            figures["memory"] = [r.ask("memory") for r in replicas]
        finally:
            for replica in replicas:
                replica.close()
    figures["size"], figures["total_s"], figures["load"] = size, time.monotonic() - started, os.getloadavg()[1]
    figures["run_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return figures


def recorded(path: Path) -> dict[str, Any]:
    """One size's figures as kept by `main` (JSON has no infinity: an edit never live is null)."""
    figures = json.loads(path.read_text())
    for key in ("live_first_ms", "live_both_ms"):
        figures[key] = [float("inf") if m is None else m for m in figures[key]]
    return figures


def keep(figures: dict[str, Any]) -> None:
    """Store one size's figures beside the report."""
    finite = {key: [None if m == float("inf") else m for m in figures[key]]
              for key in ("live_first_ms", "live_both_ms")}
    text = json.dumps(figures | finite, indent=1, default=float)  # numpy scalars as floats
    (OUT / f"kb_scale_{figures['size']}.json").write_text(text + "\n")


def _p(samples: list[float]) -> str:
    got = summary(samples)
    return f"{got['median']:.0f} / {got['p95']:.0f}"


def table(results: list[dict[str, Any]]) -> str:
    """The figures of every size, one column each."""
    def row(name: str, cell: Any) -> str:
        return f"| {name} | " + " | ".join(cell(r) for r in results) + " |"
    rss = lambda r: " / ".join(f"{m['rss_mb']:.0f}" for m in r["memory"])  # noqa: E731
    lines = [
        "| entries | " + " | ".join(f"{r['size']:,}" for r in results) + " |",
        "| --- | " + " | ".join("---:" for _ in results) + " |",
        row("run at", lambda r: r.get("run_at", "?")),
        row("machine load (5-minute average, 2 cores)", lambda r: f"{r['load']:.1f}"),
        row("question variants (with titles)", lambda r: f"{r['size'] * (VARIANTS + 1):,}"),
        row("search", lambda r: "approximate (HNSW)" if r["approximate"] else "exact"),
        row("fit, s (one process, 1 torch thread)",
            lambda r: f"{r['fit_s']:.0f}" + (f" (fit reused from {r['fit_reused']})" if r.get("fit_reused") else "")),
        row("fit, peak RSS MB (before fitting)", lambda r: f"{r['fit_peak_mb']:.0f} ({r['rss_before_fit_mb']:.0f})"),
        row("fit stored in Redis: MB, s", lambda r: f"{r['stored_mb']:.0f}, {r['store_s']:.1f}"),
        row("replica start (loads the fit), s", lambda r: " / ".join(f"{s:.1f}" for s in r["load_s"])),
        row("patch one edit, ms p50 / p95", lambda r: _p(r["patch_ms"])),
        row("search, ms p50 / p95 (no sessions)", lambda r: _p(r["search_ms"])),
        row("... of which ranking (all but encoding the question)",
            lambda r: _p(r["rank_ms"]) if "rank_ms" in r else "-"),
        row("search top-1 (a variant as typed)", lambda r: f"{r['top1']:.3f}"),
        row("edit -> live, replica with the sessions, ms p50 / p95", lambda r: _p(r["live_first_ms"])),
        row("edit -> live, both replicas, ms p50 / p95", lambda r: _p(r["live_both_ms"])),
        row("edits never live (within 60 s)", lambda r: str(sum(m == float("inf") for m in r["live_both_ms"]))),
        row("session question, ms p50 / p95: no edits", lambda r: _p(r["ask_quiet_ms"])),
        row("... during the edits", lambda r: _p(r["ask_edits_ms"])),
        row("... during the refit", lambda r: _p(r["ask_refit_ms"])),
        row("longest session question, ms",
            lambda r: f"{max(r['ask_quiet_ms'] + r['ask_edits_ms'] + r['ask_refit_ms']):.0f}"),
        row("refit after the edits, s (quiet delay included)",
            lambda r: f"{r['refit_s']:.0f}" if r["refit_s"] else f"> {r.get('refit_wait_s', 120):.0f} (still fitting)"),
        row("replica RSS MB at start", lambda r: " / ".join(f"{m:.0f}" for m in r["rss_loaded_mb"])),
        row("replica RSS MB at the end", rss),
        row("replica peak RSS MB", lambda r: " / ".join(f"{m['peak_mb']:.0f}" for m in r["memory"])),
    ]
    return "\n".join(lines)


def scaling_plot(results: list[dict[str, Any]]) -> str:
    """Fit time, memory and latency against KB size."""
    sizes = [r["size"] for r in results]
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.plot(sizes, [r["fit_s"] for r in results], marker="o", label="fit, s")
    left.plot(sizes, [r["fit_peak_mb"] for r in results], marker="o", label="fit peak RSS, MB")
    left.plot(sizes, [max(m["rss_mb"] for m in r["memory"]) for r in results], marker="o", label="replica RSS, MB")
    for key, label in [("search_ms", "search"), ("live_both_ms", "edit -> live, 2 replicas"),
                       ("ask_edits_ms", "session question during edits")]:
        right.plot(sizes, [summary(r[key])["p95"] for r in results], marker="o", label=f"{label}, p95 ms")
    for axes in (left, right):
        axes.set_xscale("log")
        axes.set_xlabel("entries")
        axes.legend()
    figure.tight_layout()
    path = OUT / "kb_scale.png"
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path.name


def report(results: list[dict[str, Any]]) -> str:
    plots = []
    for r in results:
        rows = {"search": r["search_ms"], "patch": r["patch_ms"], "edit -> live, 2 replicas": r["live_both_ms"],
                "session, no edits": r["ask_quiet_ms"], "session, edits": r["ask_edits_ms"],
                "session, refit": r["ask_refit_ms"]}
        name = boxplot(rows, f"{r['size']:,} entries", OUT / f"kb_scale_{r['size']}.png").name
        plots.append(f"![{r['size']}]({name})")
    return "\n\n".join([
        "# Knowledge-base scale benchmark",
        f"Machine: {os.cpu_count()} cores, {platform.platform()}. Synthetic KBs ({VARIANTS} question variants "
        f"per entry, bench/kb_synthetic.py). {EDITS} edits {EDIT_GAP:.0f} s apart through the editor's save, "
        f"alternately a new entry and an existing one rewritten onto a new topic; live = the replica's next "
        f"`KnowledgeBase.ask` answers that question with the new text. Sessions: 20 customers in the first "
        f"replica, each asking, then thinking {THINK[0]}-{THINK[1]} s.",
        table(results), f"![scaling]({scaling_plot(results)})", *plots,
    ])


def main() -> None:
    sizes = [int(s) for s in sys.argv[1:]] or list(SIZES)
    OUT.mkdir(parents=True, exist_ok=True)
    model_dir = Path(load_settings().embedding_model)
    os.environ.update(KB_MEMORY)  # the serving processes' allocator, as the stack runs them
    for size in sizes:
        keep(run_size(size, model_dir))
        results = sorted((recorded(path) for path in OUT.glob("kb_scale_*.json")), key=lambda r: r["size"])
        text = report(results)  # written after each size, so a long run leaves its figures
        (OUT / "kb_report.md").write_text(text + "\n")
        print(text, flush=True)
    print(f"\nReport: {OUT / 'kb_report.md'}")


if __name__ == "__main__":
    main()
