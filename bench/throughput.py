"""Throughput of the project's stack against the bare `rasa init` bot, side by side.

Both run at once; the loads alternate between them (project first in even pairs, bare first in
odd ones), so a neighbour's burst on this shared machine hits both alike. For each pair the
ratio project / bare is taken; the report gives the median of the pairs:

* 1 session: p50 reply latency (3 sessions of 10 messages one after the other);
* 20 and 50 sessions at once, 10 messages each: messages answered per second.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.bare import BareBot, bare_bot
from bench.load import MESSAGES, Load, run_load
from bench.report import lines_plot
from bench.stack import bench_stack
from infra.settings import REPO_ROOT
from launcher.stack import Stack

OUT = REPO_ROOT / ".data" / "bench"
LOADS = (1, 20, 50)
PAIRS = 4
SERIAL_SESSIONS = 3  # at 1 session, this many one after the other: 30 latencies per run


@dataclass
class Pairs:
    """The runs of one load, per bot, in pair order."""

    sessions: int
    project: list[Load] = field(default_factory=list)
    bare: list[Load] = field(default_factory=list)

    def ratios(self) -> list[float]:
        """Per pair: p50 latency ratio at 1 session, else throughput ratio (project / bare)."""
        if self.sessions == 1:
            return [statistics.median(p.latencies_ms) / statistics.median(b.latencies_ms)
                    for p, b in zip(self.project, self.bare, strict=True)]
        return [p.throughput / b.throughput for p, b in zip(self.project, self.bare, strict=True)]


def _serial(run: Callable[[], Load]) -> Load:
    """SERIAL_SESSIONS single sessions, pooled into one Load."""
    loads = [run() for _ in range(SERIAL_SESSIONS)]
    cpu = {name: statistics.mean(load.cpu_ms[name] for load in loads) for name in loads[0].cpu_ms}
    return Load(1, MESSAGES * SERIAL_SESSIONS, sum(load.seconds for load in loads),
                [ms for load in loads for ms in load.latencies_ms], cpu)


def compare(stack: Stack, bare: BareBot, pairs: int = PAIRS, loads: tuple[int, ...] = LOADS) -> list[Pairs]:
    """Run every load on the project's `stack` and on the bare bot, alternating, `pairs` times."""
    results = [Pairs(n) for n in loads]
    bare.ready()
    targets = {
        "project": (stack.rasa_url, {"rasa": stack.pid("rasa"), "actions": stack.pid("actions")}),
        "bare": (bare.url, {"rasa": bare.pid}),
    }
    for url, pids in targets.values():
        run_load(url, 5, pids=pids)  # warm up: first messages load lazily what NLU needs
    for pair in range(pairs):
        order = ["project", "bare"] if pair % 2 == 0 else ["bare", "project"]
        for result in results:
            for name in order:
                url, pids = targets[name]
                if result.sessions == 1:
                    load = _serial(lambda: run_load(url, 1, pids=pids))  # noqa: B023 (called at once)
                else:
                    load = run_load(url, result.sessions, pids=pids)
                getattr(result, name).append(load)
                print(f"pair {pair + 1}, {result.sessions:>2} session(s), {name:>7}: "
                      f"{load.throughput:6.1f} msg/s, p50 {statistics.median(load.latencies_ms):6.1f} ms, "
                      f"CPU/msg {_cpu(load)}", flush=True)
    return results


def _cpu(load: Load) -> str:
    return ", ".join(f"{name} {ms:.1f} ms" for name, ms in load.cpu_ms.items())


def report(results: list[Pairs], out: Path) -> str:
    """The Markdown section with the ratios, CPU per message and a plot."""
    lines = ["| load | project / bare | pairs | goal |", "| --- | ---: | --- | --- |"]
    for result in results:
        ratios = result.ratios()
        what = (f"{result.sessions} sessions x {MESSAGES}, throughput" if result.sessions > 1
                else "1 session, p50 latency")
        goal = "<= 1.1x" if result.sessions == 1 else ">= 0.8x"
        lines.append(f"| {what} | {statistics.median(ratios):.2f}x | "
                     f"{', '.join(f'{r:.2f}' for r in ratios)} | {goal} |")
    cpu = ["| load | project Rasa | project actions | bare Rasa |", "| --- | ---: | ---: | ---: |"]
    for result in results:
        cpu.append(f"| {result.sessions} session(s) | "
                   f"{statistics.median(p.cpu_ms['rasa'] for p in result.project):.1f} | "
                   f"{statistics.median(p.cpu_ms['actions'] for p in result.project):.1f} | "
                   f"{statistics.median(b.cpu_ms['rasa'] for b in result.bare):.1f} |")
    series = {
        "project": [statistics.median(p.throughput for p in r.project) for r in results],
        "bare rasa init": [statistics.median(b.throughput for b in r.bare) for r in results],
    }
    plot = lines_plot([r.sessions for r in results], series, "Throughput, REST, greetings",
                      "sessions at once", "messages / s (median of pairs)", out / "throughput.png")
    return "\n\n".join([
        "## Throughput against the bare `rasa init` bot",
        f"Both served at once, loads alternating between them, {len(results[0].project)} pairs; ratio per "
        "pair, median of the pairs. Every message a greeting; the bare bot keeps its trackers in memory "
        "and answers without an action server.",
        "\n".join(lines),
        "CPU time per message, ms (median of pairs):",
        "\n".join(cpu),
        f"![throughput]({plot.name})",
    ])


def main() -> None:
    """Run the comparison alone and print its section."""
    OUT.mkdir(parents=True, exist_ok=True)
    with bare_bot() as bare, bench_stack() as stack:
        section = report(compare(stack, bare), OUT)
    (OUT / "throughput.md").write_text(section + "\n")
    print(section)


if __name__ == "__main__":
    main()
