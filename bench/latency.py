"""Reply latency of one customer session through the REST channel, a long conversation's growth,
throughput against the bare `rasa init` bot (bench.throughput), handoff latency under load, and
the encoder's threading.

Starts its own stack (local redis-server, action server, Rasa) on free ports, so it measures what
`make run` runs, without touching a running one. Output: .data/bench/report.md with PNG plots.
"""

from __future__ import annotations

import os
import platform
import statistics
import time

from bench.bare import bare_bot
from bench.clients import Customer
from bench.handoff import CONCURRENT, handoff_latency
from bench.report import boxplot, table
from bench.stack import bench_stack
from bench.throughput import compare
from bench.throughput import report as throughput_report
from infra.settings import REPO_ROOT, load_settings
from kb.encoder import Encoder
from kb.files import read_raw_entries
from kb.validate import validate

OUT = REPO_ROOT / ".data" / "bench"
ROUNDS = 3
QUESTIONS_PER_SESSION = 5  # a conversation of 10 turns
LONG_TURNS = 150


def encoder_threads(model: str, queries: list[str]) -> dict[str, list[float]]:
    """One-query encode latency with torch's default threads, then with 1 (our setting)."""
    import torch

    default_threads = torch.get_num_threads()
    encoder = Encoder(model, threads=default_threads)
    encoder.encode(["warm up"])
    rows: dict[str, list[float]] = {}
    for threads in (default_threads, 1):
        torch.set_num_threads(threads)
        samples = []
        for query in queries:
            start = time.perf_counter()
            encoder.encode([query])
            samples.append((time.perf_counter() - start) * 1000)
        rows[f"encode one query, {threads} torch thread(s)"] = samples
    return rows


def timed_reply(customer: Customer, text: str) -> float:
    """Milliseconds until the bot's reply to `text` arrived."""
    start = time.perf_counter()
    replies = customer.say(text)
    assert replies, f"no reply to {text!r}"
    return (time.perf_counter() - start) * 1000


def session_latency(rasa_url: str, questions: list[str]) -> dict[str, list[float]]:
    """Conversations of a realistic length: each alternates a greeting and a KB question,
    QUESTIONS_PER_SESSION of each, as one customer session; every reply is timed."""
    rows: dict[str, list[float]] = {"greeting reply (REST)": [], "KB answer reply (REST)": []}
    for _ in range(ROUNDS):
        for first in range(0, len(questions), QUESTIONS_PER_SESSION):
            customer = Customer(rasa_url)
            for question in questions[first:first + QUESTIONS_PER_SESSION]:
                rows["greeting reply (REST)"].append(timed_reply(customer, "hello"))
                rows["KB answer reply (REST)"].append(timed_reply(customer, question))
    return rows


def long_conversation(rasa_url: str) -> dict[str, list[float]]:
    """One conversation of LONG_TURNS greetings: Rasa reads and writes the whole tracker every
    turn, so a reply late in a very long conversation is slower than early on."""
    customer = Customer(rasa_url)
    samples = [timed_reply(customer, "hello") for _ in range(LONG_TURNS)]
    window = 25
    return {f"greeting, turns 1-{window}": samples[:window],
            f"greeting, turns {LONG_TURNS - window + 1}-{LONG_TURNS}": samples[-window:]}


def _growth(rows: dict[str, list[float]]) -> float:
    first, last = rows.values()
    return statistics.median(last) / statistics.median(first)


def main() -> None:
    """Run the benchmarks and write the report."""
    OUT.mkdir(parents=True, exist_ok=True)
    entries, _ = validate(read_raw_entries(REPO_ROOT / "kb" / "content"))
    # The last variant of each entry, lower-cased: phrasings a customer might type.
    questions = [e.questions[-1].lower() for e in entries]
    with bare_bot() as bare, bench_stack() as stack:  # the bare bot loads while the stack starts
        Customer(stack.rasa_url).say("warm up")
        session = session_latency(stack.rasa_url, questions)
        growth = long_conversation(stack.rasa_url)
        Customer(bare.ready().url).say("warm up")
        bare_growth = long_conversation(bare.url)
        handoffs = handoff_latency(stack)
        throughput = compare(stack, bare)
    threads = encoder_threads(load_settings().embedding_model, questions)
    report = "\n\n".join([
        "# Latency benchmark",
        f"Machine: {os.cpu_count()} cores, {platform.platform()}. KB: the sample, {len(entries)} entries. "
        f"Customer sessions through Rasa's REST channel, each {QUESTIONS_PER_SESSION} times a greeting then a KB "
        f"question; {len(questions)} different questions, asked {ROUNDS} times.",
        "## Reply latency, customer sessions", table(session),
        f"![session]({boxplot(session, 'Reply latency, REST sessions', OUT / 'session.png').name})",
        f"## A very long conversation ({LONG_TURNS} turns)",
        "Rasa reads the whole tracker (replaying its events) and policies look over all of it on every "
        "turn, so replies slow down as one conversation grows (sessions end after an hour's quiet; "
        "trackers expire after 7 days). The bare `rasa init` bot alongside, for scale:",
        table({**growth, **{f"bare bot, {name}": samples for name, samples in bare_growth.items()}}),
        f"Turns {LONG_TURNS - 24}-{LONG_TURNS} / turns 1-25, medians: project {_growth(growth):.2f}x, "
        f"bare bot {_growth(bare_growth):.2f}x.",
        throughput_report(throughput, OUT),
        f"## Handoff: customer message to the desk's queue, {CONCURRENT} conversations at once",
        "Each customer asks for a person at the same moment; the time runs from sending that message "
        "to the handoff's `created` event on `desk:events`, the feed the desk's live queue shows.",
        table(handoffs),
        f"![handoffs]({boxplot(handoffs, 'Trigger to desk queue', OUT / 'handoffs.png').name})",
        "## Encoder threads (why TORCH_THREADS=1)", table(threads),
        f"![threads]({boxplot(threads, 'One-query encoding', OUT / 'threads.png').name})",
    ])
    (OUT / "report.md").write_text(report + "\n")
    print(report)
    print(f"\nReport: {OUT / 'report.md'}")


if __name__ == "__main__":
    main()
