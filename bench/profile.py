"""Where the Rasa process's CPU goes per message: py-spy samples it while sessions load the stack.

`python -m bench.profile [SESSIONS] [ROUNDS]` starts a bench stack, sends ROUNDS x SESSIONS
customer sessions of 10 greetings at once (SESSIONS at a time), and records the Rasa server with
`py-spy record` (raw stacks, idle threads left out, so samples are CPU time). It prints each
part's share of the samples and the CPU ms per message that share stands for (a sample counts
for every part on its stack, so the shares overlap: the NLU pipeline includes DIET, and so on).
The raw stacks stay in .data/bench/rasa-profile.txt (for flame graphs: `flamegraph.pl` reads them).
"""

from __future__ import annotations

import re
import signal
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench.load import run_load
from bench.stack import bench_stack
from infra.settings import REPO_ROOT

PY_SPY = Path(sys.executable).parent / "py-spy"
RATE = 50  # samples per second: more falls behind on a busy 2-core machine
OUT = REPO_ROOT / ".data" / "bench" / "rasa-profile.txt"
# Samples whose innermost frame is this are the event loop (uvloop, in C) waiting in epoll: py-spy
# cannot tell that idle, so they are left out (they were 65% of a lightly loaded Rasa's samples).
IDLE_LEAF = "serve (sanic/server/runners.py"
# The file a frame runs in, when it is ours or Rasa's: "rasa_ext/x.py" or "rasa/core/x.py".
OWNER = re.compile(r"\((?:[^()]*/)?((?:rasa_ext|rasa)/[\w/]+\.py):\d+\)")

# Parts of a turn, each recognised by a frame on the stack ("file:function" substrings of
# py-spy's "function (file:line)" frames). Ours first, then Rasa's.
PARTS: dict[str, tuple[str, ...]] = {
    "ours: channels (rasa_ext/channels.py, conversation_queue.py)":
        ("rasa_ext/channels.py", "rasa_ext/conversation_queue.py"),
    "ours: tracker store (rasa_ext/outage_stores.py)": ("rasa_ext/outage_stores.py",),
    "ours: outage copy (OutageTrackerStore._remember)": ("_remember (",),
    "ours: history on the JSON (rasa_ext/tracker_json.py)": ("rasa_ext/tracker_json.py",),
    "ours: turn policy (rasa_ext/turn_policy.py)": ("rasa_ext/turn_policy.py",),
    "ours: action outage (rasa_ext/action_outage.py)": ("rasa_ext/action_outage.py",),
    "tracker store: read (retrieve)": ("retrieve (", "retrieve_full_tracker ("),
    "tracker store: save (merge + write)": ("tracker_store.py:", "save ("),
    "tracker: replaying events (deserialise)": ("recreate_from_dialogue (",),
    "tracker: serialise (as_dialogue, json.dumps)": ("serialise_tracker (",),
    "lock store": ("lock_store.py",),
    "NLU pipeline (parse_message)": ("parse_message (",),
    "  of it DIET": ("diet_classifier.py",),
    "  of it featurizers": ("featurizers/",),
    "policies (predict_next_action)": ("predict_next_with_tracker_if_should (", "_predict_next_with_tracker ("),
    "  of it tracker states (past_states)": ("past_states (",),
    "action call: payload (tracker.current_state)": ("current_state (",),
    "action call: remote (RemoteAction.run)": ("action.py:run", "RemoteAction"),
    "event broker / stream_events": ("stream_events (",),
}


def _samples(raw: str) -> list[tuple[str, int]]:
    """(stack, count) of py-spy's raw (collapsed) output, the event loop's idle samples left out."""
    rows = []
    for line in raw.splitlines():
        stack, _, number = line.rpartition(" ")
        if stack and number.isdigit() and not stack.rsplit(";", 1)[-1].startswith(IDLE_LEAF):
            rows.append((stack, int(number)))
    return rows


def shares(raw: str) -> tuple[int, Counter[str]]:
    """Total samples and samples per part."""
    total = 0
    counts: Counter[str] = Counter()
    for stack, number in _samples(raw):
        samples = number
        total += samples
        for part, marks in PARTS.items():
            if _on_stack(stack, marks):
                counts[part] += samples
    return total, counts


def owners(raw: str) -> tuple[int, Counter[str]]:
    """Total samples and samples per owning file: the innermost frame of ours (rasa_ext/) or of
    Rasa's (rasa/...), so that a library's time (json, redis, jsonschema...) goes to its caller."""
    total = 0
    counts: Counter[str] = Counter()
    for stack, number in _samples(raw):
        total += number
        counts[_owner(stack.split(";"))] += number
    return total, counts


def _owner(frames: list[str]) -> str:
    for frame in reversed(frames):
        match = OWNER.search(frame)
        if match:
            return match.group(1)
    return "other (event loop, sanic, asyncio)"


def _on_stack(stack: str, marks: tuple[str, ...]) -> bool:
    # A mark with ":" is "file:function": both on the same frame.
    for frame in stack.split(";"):
        for mark in marks:
            if ":" in mark and not mark.endswith(":"):
                path, function = mark.split(":", 1)
                if path in frame and frame.startswith(function):
                    return True
            elif mark in frame:
                return True
    return False


def table(total: int, counts: Counter[str], cpu_ms: float) -> str:
    """Markdown: share of samples and the CPU ms per message it stands for, per part.

    py-spy counts a thread waiting for a core as active, so on a loaded machine the samples
    overstate CPU time: the shares are applied to the CPU time the kernel measured instead.
    """
    lines = [f"Rasa process: {cpu_ms:.1f} ms CPU per message; {total} samples", "",
             "| part | share | ms / message |", "| --- | ---: | ---: |"]
    for part in PARTS:
        share = counts.get(part, 0) / max(total, 1)
        lines.append(f"| {part} | {share:.1%} | {share * cpu_ms:.1f} |")
    return "\n".join(lines)


def owner_table(total: int, counts: Counter[str], cpu_ms: float, top: int = 15) -> str:
    """Markdown: CPU ms per message by the file (ours or Rasa's) nearest the sampled code."""
    lines = ["| file (innermost of ours or Rasa's) | share | ms / message |", "| --- | ---: | ---: |"]
    for owner, n in counts.most_common(top):
        lines.append(f"| {owner} | {n / max(total, 1):.1%} | {n / max(total, 1) * cpu_ms:.1f} |")
    return "\n".join(lines)


def profile(sessions: int, rounds: int, out: Path = OUT) -> str:
    """Load a fresh stack while py-spy records its Rasa process; the table."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with bench_stack() as stack:
        run_load(stack.rasa_url, 5)  # warm up
        spy = subprocess.Popen([str(PY_SPY), "record", "--pid", str(stack.pid("rasa")), "--rate", str(RATE),
                                "--nonblocking", "--format", "raw", "--output", str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            pids = {"rasa": stack.pid("rasa")}
            cpu = [run_load(stack.rasa_url, sessions, pids=pids).cpu_ms["rasa"] for _ in range(rounds)]
        finally:
            spy.send_signal(signal.SIGINT)  # py-spy writes its output when interrupted
            spy.wait(timeout=60)
    raw, cpu_ms = out.read_text(), statistics.mean(cpu)
    return table(*shares(raw), cpu_ms) + "\n\n" + owner_table(*owners(raw), cpu_ms)


def main() -> None:
    """Profile and print."""
    sessions = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    print(profile(sessions, rounds))
    print(f"\nRaw stacks: {OUT}")


if __name__ == "__main__":
    main()
