"""`make soak MINUTES=30`: mixed customer traffic with a fault every few minutes, over loopback.

Starts its own supervised stack (as `make run` does: local Redis, Rasa, action server, desk) on free
ports with its data in .data/soak/stack. For the given minutes:
* customers (threads) ask KB questions, make small talk, ask for a person and write to the agent,
  through Rasa's REST channel; a refused or unreachable send is retried as the widget does;
* an agent works the queue through the desk's HTTP API: claims, replies, resolves;
* every `--fault-every` seconds one fault, in turn: `kill -9` of a random service (by its pid),
  a Redis restart, a burst (50 messages in a second from one conversation), a 1 MB message;
* every 5 s the memory (RSS, with children) of each service is sampled.
Then every message that was accepted (HTTP 200) is looked for in its conversation's tracker.
Prints and writes .data/soak/report.md with plots: sent / stored / lost, 5xx, restarts, p95
latency and memory over time. Exits 1 when a message was lost or a 5xx was seen (the target: 0, 0).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import psutil
import requests

from bench.clients import DeskApi
from bench.report import plt, summary
from bench.stack import bench_stack
from desk.users import UserStore
from infra.redis_client import connect
from infra.settings import REPO_ROOT, rasa_token
from launcher.stack import Stack

OUT = REPO_ROOT / ".data" / "soak"
SERVICES = ("redis", "rasa", "actions", "desk")
QUESTIONS = ("How long does a refund take?", "Do you ship to Canada?", "How do I reset my password?",
             "Can I change my delivery address?", "What payment methods do you accept?")
SEND_TRIES = 60  # about 6 minutes of retries: longer than a Rasa restart on a busy machine
BURST = 50
MEGABYTE = "Please read all of this. " * 40_000  # 1,000,000 characters
FAULT_SENDER = "soak-fault-"  # the bursts' and the 1 MB message's conversations (their latency is apart)
AGENT = "soak-agent"
PASSWORD = "soak agent password"  # a throwaway user in the soak's own data folder


@dataclass
class Record:
    """Everything measured, shared by the threads (one lock)."""

    start: float = field(default_factory=time.monotonic)
    sends: list[tuple[float, int, float, bool]] = field(default_factory=list)  # (t, HTTP status or 0, ms, a fault's?)
    accepted: list[tuple[str, str]] = field(default_factory=list)  # (sender, text) answered with 200
    given_up: int = 0
    faults: list[tuple[float, str]] = field(default_factory=list)
    restarts: list[tuple[float, str]] = field(default_factory=list)
    memory: dict[str, list[tuple[float, float]]] = field(default_factory=lambda: {s: [] for s in SERVICES})
    agent_replies: int = 0
    senders: list[threading.Thread] = field(default_factory=list)  # the bursts' and the 1 MB message's
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        return time.monotonic() - self.start

    def server_errors(self) -> int:
        return sum(1 for _, status, _, _ in self.sends if 500 <= status < 600)

    def latency(self, of_faults: bool) -> dict[str, float]:
        """Median and p95 of the answered sends of the customers, or of the bursts and 1 MB messages."""
        answered = [ms for _, status, ms, fault in self.sends if status == 200 and fault == of_faults]
        return summary(answered) if answered else {"median": 0.0, "p95": 0.0}


def send(stack: Stack, record: Record, sender: str, text: str) -> None:
    """Send one message as the widget does: retry on no answer, 429 or 5xx (each try is counted)."""
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    for attempt in range(SEND_TRIES):
        started = time.perf_counter()
        try:
            response = requests.post(url, json={"sender": sender, "message": text}, timeout=120)
            status, wait = response.status_code, float(response.headers.get("Retry-After", 1) or 1)
        except requests.RequestException:
            status, wait = 0, 1.0
        with record.lock:
            took_ms = (time.perf_counter() - started) * 1000
            record.sends.append((record.now(), status, took_ms, sender.startswith(FAULT_SENDER)))
            if status == 200:
                record.accepted.append((sender, text))
                return
        time.sleep(min(wait * (1 + attempt // 5), 10))
    with record.lock:
        record.given_up += 1


def customer(stack: Stack, record: Record, until: float, seed: int) -> None:
    """One customer after another: questions, small talk, or a request for a person, with pauses."""
    chance = random.Random(seed)
    while time.monotonic() < until:
        sender = f"soak-{uuid.uuid4().hex[:10]}"
        kind = chance.choice(("question", "question", "smalltalk", "person"))
        if kind == "question":
            texts = [chance.choice(QUESTIONS), "/affirm", chance.choice(QUESTIONS)]
        elif kind == "smalltalk":
            texts = ["Hello", "Are you a bot?", "Thanks, bye"]
        else:
            texts = ["Where is my order MM-12345?", "/request_human", "You can reach me at soak@example.com",
                     "Any news on my order?"]
        for text in texts:
            if time.monotonic() >= until:
                return
            send(stack, record, sender, f"{text} [{uuid.uuid4().hex[:6]}]" if not text.startswith("/") else text)
            time.sleep(chance.uniform(0.5, 2.0))


def agent(stack: Stack, record: Record, until: float) -> None:
    """An agent on the desk's HTTP API: online, takes whoever waits, says hello, resolves."""
    api = None
    while time.monotonic() < until:
        try:
            api = api or DeskApi(stack.desk_url, AGENT, PASSWORD)
            api.http.post(f"{stack.desk_url}/desk/api/heartbeat", timeout=10)
            waiting = api.http.get(f"{stack.desk_url}/desk/api/queue", timeout=10).json().get("waiting", [])
            for card in waiting[:3]:
                ticket = card["ticket"]
                if api.act(ticket, "claim").status_code != 200:
                    continue
                hello = "Hello, I'm the soak agent. Let me look into that."
                if api.act(ticket, "message", text=hello).status_code == 200:
                    with record.lock:
                        record.agent_replies += 1
                api.act(ticket, "resolve")
        except (requests.RequestException, ValueError, AttributeError, AssertionError):
            api = None  # the desk (or its Redis) was down: log in again
        time.sleep(2)


def fault(stack: Stack, record: Record, kind: str, chance: random.Random) -> None:
    """Inject one fault and note it."""
    senders: list[threading.Thread] = []
    if kind == "kill":
        name = chance.choice(SERVICES)
        pid = stack.pid(name)
        if pid:
            os.kill(pid, signal.SIGKILL)
        kind = f"kill -9 {name}"
    elif kind == "redis restart":
        stack.supervisor.stop_program("redis")
        stack.supervisor.start_program("redis")
    elif kind == "burst":
        sender = f"{FAULT_SENDER}burst-{uuid.uuid4().hex[:8]}"
        senders = [threading.Thread(target=send, args=(stack, record, sender, f"Burst message {n}"))
                   for n in range(BURST)]
    else:
        big_sender = f"{FAULT_SENDER}mb-{uuid.uuid4().hex[:8]}"
        senders = [threading.Thread(target=send, args=(stack, record, big_sender, MEGABYTE))]
    for thread in senders:
        record.senders.append(thread)
        thread.start()
        time.sleep(1 / BURST)
    with record.lock:
        record.faults.append((record.now(), kind))
    print(f"[{record.now():6.0f} s] fault: {kind}", flush=True)


def watch(stack: Stack, record: Record, until: float, fault_every: float) -> None:
    """Every 5 s: memory and restarts; every `fault_every` s: the next fault."""
    chance = random.Random(7)
    kinds = ["kill", "redis restart", "burst", "megabyte"]
    pids: dict[str, int] = {}
    next_fault = time.monotonic() + fault_every
    while time.monotonic() < until:
        for info in stack.supervisor.all_info():
            name, pid = info["name"], info["pid"]
            if pid and pids.get(name, pid) != pid:
                record.restarts.append((record.now(), name))
            if pid:
                pids[name] = pid
                record.memory[name].append((record.now(), _rss_mb(pid)))
        if time.monotonic() >= next_fault:
            fault(stack, record, kinds[len(record.faults) % len(kinds)], chance)
            next_fault += fault_every
        time.sleep(5)


def _rss_mb(pid: int) -> float:
    try:
        process = psutil.Process(pid)
        return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 2**20
    except psutil.Error:
        return 0.0


def stored(stack: Stack, record: Record) -> tuple[int, list[tuple[str, str]]]:
    """How many accepted messages are in their trackers, and the ones that are not."""
    token = rasa_token(stack.settings)
    lost = []
    by_sender: dict[str, list[str]] = {}
    for sender, text in record.accepted:
        by_sender.setdefault(sender, []).append(text)
    for sender, texts in by_sender.items():
        response = requests.get(f"{stack.rasa_url}/conversations/{sender}/tracker", params={"token": token}, timeout=60)
        said = [e.get("text") or "" for e in response.json().get("events", []) if e.get("event") == "user"]
        # A long message is kept up to a cap (MAX_MESSAGE_CHARS or more): its start must be there.
        lost += [(sender, t) for t in texts if not any(s == t or (len(s) >= 500 and t.startswith(s)) for s in said)]
    return len(record.accepted) - len(lost), lost


def wait_until_healthy(stack: Stack) -> None:
    """After the last fault: every service up again (bounded by Stack.wait_until_up)."""
    connect(stack.settings.redis).ping()
    stack.wait_until_up("rasa", f"{stack.rasa_url}/")
    stack.wait_until_up("actions", f"http://localhost:{stack.settings.action_port}/health")
    stack.wait_until_up("desk", f"{stack.desk_url}/health")


def report(record: Record, stored_count: int, lost: list[tuple[str, str]], minutes: float) -> str:
    """The figures as Markdown, with the plots saved beside it."""
    server_errors, no_answer = record.server_errors(), sum(1 for _, status, _, _ in record.sends if status == 0)
    latency = {of_faults: record.latency(of_faults) for of_faults in (False, True)}
    first = {n: m[0][1] for n, m in record.memory.items() if m}
    last = {n: m[-1][1] for n, m in record.memory.items() if m}
    lines = [
        f"# Soak: {minutes:g} minutes, {len(record.faults)} faults", "",
        "| figure | value |", "| --- | ---: |",
        f"| messages accepted (HTTP 200) | {len(record.accepted)} |",
        f"| stored in their trackers | {stored_count} |",
        f"| lost | {len(lost)} |",
        f"| 5xx answers | {server_errors} |",
        f"| sends with no answer (service down; retried) | {no_answer} |",
        "| 429 answers (backlog full; retried after Retry-After) | "
        f"{sum(1 for _, st, _, _ in record.sends if st == 429)} |",
        f"| messages given up after {SEND_TRIES} tries | {record.given_up} |",
        f"| agent replies through the desk | {record.agent_replies} |",
        f"| restarts by supervisord | {len(record.restarts)} ({', '.join(n for _, n in record.restarts) or 'none'}) |",
        f"| reply latency median / p95, customers | {latency[False]['median']:.0f} / {latency[False]['p95']:.0f} ms |",
        "| reply latency median / p95, bursts and 1 MB messages | "
        f"{latency[True]['median']:.0f} / {latency[True]['p95']:.0f} ms |",
        "", "Faults: " + "; ".join(f"{t:.0f} s {k}" for t, k in record.faults), "",
        "Memory (RSS, MB) first / last sample: "
        + ", ".join(f"{n} {first[n]:.0f} / {last[n]:.0f}" for n in first), "",
        "![traffic](traffic.png)", "![latency](latency.png)", "![memory](memory.png)",
    ]
    if lost:
        lines += ["", "Lost:"] + [f"- {sender}: {text[:80]!r}" for sender, text in lost[:20]]
    _plots(record)
    return "\n".join(lines) + "\n"


def _plots(record: Record) -> None:
    def faults_on(axes: Any) -> None:
        for at, kind in record.faults:
            axes.axvline(at / 60, color="grey", linestyle=":", linewidth=1)
            axes.text(at / 60, axes.get_ylim()[1], kind, rotation=90, fontsize=7, va="top")

    figure, axes = plt.subplots(figsize=(9, 4))
    times = [t / 60 for t, _, _, _ in record.sends]
    for label, keep in (("sent (tries)", lambda s: True), ("accepted", lambda s: s == 200), ("429", lambda s: s == 429),
                        ("5xx", lambda s: 500 <= s < 600), ("no answer", lambda s: s == 0)):
        counts, total = [], 0
        for _, status, _, _ in record.sends:
            total += keep(status)
            counts.append(total)
        axes.plot(times, counts, label=label)
    axes.set_xlabel("minutes")
    axes.set_ylabel("messages (cumulative)")
    axes.legend()
    faults_on(axes)
    figure.tight_layout()
    figure.savefig(OUT / "traffic.png", dpi=100)
    plt.close(figure)

    figure, axes = plt.subplots(figsize=(9, 4))
    windows: dict[int, list[float]] = {}
    for at, status, ms, fault_sender in record.sends:
        if status == 200 and not fault_sender:
            windows.setdefault(int(at // 30), []).append(ms)
    axes.plot([w * 0.5 for w in sorted(windows)], [summary(windows[w])["p95"] for w in sorted(windows)], marker=".")
    axes.set_xlabel("minutes")
    axes.set_ylabel("customers' p95 reply latency per 30 s (ms)")
    faults_on(axes)
    figure.tight_layout()
    figure.savefig(OUT / "latency.png", dpi=100)
    plt.close(figure)

    figure, axes = plt.subplots(figsize=(9, 4))
    for name, samples in record.memory.items():
        axes.plot([t / 60 for t, _ in samples], [mb for _, mb in samples], label=name)
    axes.set_xlabel("minutes")
    axes.set_ylabel("RSS (MB)")
    axes.legend()
    faults_on(axes)
    figure.tight_layout()
    figure.savefig(OUT / "memory.png", dpi=100)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--fault-every", type=float, default=180.0, help="seconds between faults")
    parser.add_argument("--customers", type=int, default=4, help="customers talking at once")
    args = parser.parse_args()
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    with bench_stack(keep_in=OUT / "stack") as stack:
        UserStore(connect(stack.settings.redis)).create(AGENT, PASSWORD, "agent", "Soak Agent", ())
        record = Record()
        until = time.monotonic() + args.minutes * 60
        print(f"Soak for {args.minutes:g} min; a fault every {args.fault_every:g} s; logs in {stack.logs}", flush=True)
        threads = [threading.Thread(target=customer, args=(stack, record, until, n)) for n in range(args.customers)]
        threads += [threading.Thread(target=agent, args=(stack, record, until)),
                    threading.Thread(target=watch, args=(stack, record, until, args.fault_every))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for thread in record.senders:  # still retrying, they finish within SEND_TRIES
            thread.join()
        wait_until_healthy(stack)
        stored_count, lost = stored(stack, record)
    text = report(record, stored_count, lost, args.minutes)
    (OUT / "report.md").write_text(text)
    print(text + f"\nReport: {OUT / 'report.md'}", flush=True)
    raise SystemExit(1 if lost or record.server_errors() else 0)


if __name__ == "__main__":
    main()
