"""Throughput with 1 and with 2 replicas (REPLICAS=2: two Rasa, two action servers behind nginx),
and how busy the machine's cores were meanwhile.

Each layout gets its own stack (bench.stack), warmed up and left to settle, then SESSIONS customer
sessions at once, each MESSAGES turns (a greeting, then a KB question, alternately) through Rasa's
REST channel on the usual port. CPU comes from /proc: the whole machine's busy share of all its
cores, and each service's processes' CPU time over the run (100% = one core). On a machine whose
cores the one Rasa process already fills, a second replica cannot add throughput: the figures say
whether it did.
Output: .data/bench/replicas.md.

Why settle: after it answers, each desk prepares its overlap check and the publish gate in the
background (3 s of CPU on a quiet machine, 2026-11-30; longer on a loaded one). Runs started at once
charged 0.45-0.80 of a core to the desk; once settled, the desk used none during a 20 x 10 load.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.clients import Customer
from bench.report import summary
from bench.stack import bench_stack
from infra.settings import REPO_ROOT
from kb.files import read_raw_entries
from kb.validate import validate
from launcher.stack import Stack

OUT = REPO_ROOT / ".data" / "bench"
LOADS = (20, 50)  # customer sessions at once
MESSAGES = 10  # turns per session
TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Run:
    """One load on one layout: throughput, latencies, CPU shares."""

    replicas: int
    sessions: int
    messages_per_second: float
    latencies_ms: list[float]
    machine_busy: float  # share of all cores, 0..1
    service_cpu: dict[str, float]  # service -> cores used (1.0 = one core)


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all cores since boot, from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def process_seconds(pid: int) -> float:
    """CPU seconds (user + system) of a process; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def with_children(pid: int) -> list[int]:
    """A process and its descendants (nginx's worker, say), from /proc."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return [pid]
    return [pid] + [p for child in children for p in with_children(int(child))]


def service_pids(stack: Stack) -> dict[str, list[int]]:
    """Each service's processes (replicas together), nginx and Redis included when there."""
    pids: dict[str, list[int]] = {}
    for info in stack.supervisor.all_info():
        pids.setdefault(info["name"].partition("-")[0], []).extend(with_children(int(info["pid"])))
    return pids


def wait_until_settled(stack: Stack, window: float = 3.0, idle_cores: float = 0.05, timeout: float = 600.0) -> None:
    """Until the stack's processes together use under `idle_cores` over a `window` (background
    start-up work done), or `timeout` passes (then the run is measured anyway, and says so)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = [pid for group in service_pids(stack).values() for pid in group]
        before = sum(map(process_seconds, pids))
        time.sleep(window)
        if (sum(map(process_seconds, pids)) - before) / window < idle_cores:
            return
    print(f"the stack was still busy after {timeout:.0f} s; measuring anyway", flush=True)


def session(rasa_url: str, questions: list[str], start: threading.Barrier, latencies: list[float]) -> None:
    customer = Customer(rasa_url)
    start.wait()
    for turn in range(MESSAGES):
        text = "hello" if turn % 2 == 0 else questions[turn % len(questions)]
        began = time.perf_counter()
        replies = customer.say(text)
        latencies.append((time.perf_counter() - began) * 1000)
        assert replies, f"no reply to {text!r}"


def load(stack: Stack, replicas: int, sessions: int, questions: list[str]) -> Run:
    """SESSIONS sessions at once through nginx (or the one Rasa); CPU measured over exactly that."""
    latencies: list[float] = []
    start = threading.Barrier(sessions + 1)
    threads = [threading.Thread(target=session, args=(stack.rasa_url, questions[i:] + questions[:i], start, latencies))
               for i in range(sessions)]
    for thread in threads:
        thread.start()
    pids = service_pids(stack)
    cpu_before = {name: sum(map(process_seconds, group)) for name, group in pids.items()}
    busy_before, total_before = machine_jiffies()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    busy_after, total_after = machine_jiffies()
    cpu = {name: (sum(map(process_seconds, group)) - cpu_before[name]) / wall for name, group in pids.items()}
    assert len(latencies) == sessions * MESSAGES, "a session failed; see the stack's logs"
    return Run(replicas, sessions, len(latencies) / wall, latencies,
               (busy_after - busy_before) / max(1, total_after - total_before), cpu)


def measure(replicas: int, questions: list[str]) -> list[Run]:
    with bench_stack(replicas=replicas) as stack:
        for name in stack.layout.names("rasa"):  # each replica loaded, and a KB answer through each
            Customer(stack.url(name)).say("hello")
            Customer(stack.url(name)).say(questions[0])
        wait_until_settled(stack)
        return [load(stack, replicas, sessions, questions) for sessions in LOADS]


def report(runs: list[Run]) -> str:
    base = {run.sessions: run.messages_per_second for run in runs if run.replicas == 1}
    lines = [
        "| replicas | sessions x messages | messages/s | vs 1 replica | p50 ms | p95 ms | machine busy "
        f"({os.cpu_count()} cores) | CPU by service (cores) |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for run in runs:
        stats = summary(run.latencies_ms)
        services = ", ".join(f"{name} {cores:.2f}" for name, cores in sorted(run.service_cpu.items()) if cores >= 0.01)
        lines.append(
            f"| {run.replicas} | {run.sessions} x {MESSAGES} | {run.messages_per_second:.1f} | "
            f"{run.messages_per_second / base[run.sessions]:.2f}x | {stats['median']:.0f} | {stats['p95']:.0f} | "
            f"{run.machine_busy:.0%} | {services} |")
    return "\n".join(lines)


def main() -> None:
    """Measure 1 then 2 replicas and write the report."""
    OUT.mkdir(parents=True, exist_ok=True)
    entries, _ = validate(read_raw_entries(REPO_ROOT / "kb" / "content"))
    questions = [entry.questions[-1].lower() for entry in entries]
    runs = measure(1, questions) + measure(2, questions)
    text = "\n\n".join([
        "# Replicas: 1 vs 2 behind nginx",
        f"Sessions at once through Rasa's REST channel on the usual port, {MESSAGES} turns each (a greeting, "
        "then a KB question, alternately). Machine busy: the share of all cores in use during the load "
        "(everything on the machine); CPU by service: the stack's processes (replicas together), 1.00 = one core.",
        report(runs),
    ])
    (OUT / "replicas.md").write_text(text + "\n")
    print(text)
    print(f"\nReport: {OUT / 'replicas.md'}")


if __name__ == "__main__":
    main()
