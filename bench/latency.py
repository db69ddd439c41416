"""Reply latency of one customer session through the REST channel, handoff latency under load,
and the encoder's threading.

Starts its own stack (local redis-server, action server, Rasa) on free ports, so it measures what
`make run` runs, without touching a running one. Output: .data/bench/report.md with PNG plots.
"""

from __future__ import annotations

import os
import platform
import time

from bench.handoff import CONCURRENT, handoff_latency
from bench.report import boxplot, table
from bench.stack import bench_stack
from infra.settings import REPO_ROOT, load_settings
from kb.encoder import Encoder
from kb.files import read_raw_entries
from kb.validate import validate
from tests.support import Customer

OUT = REPO_ROOT / ".data" / "bench"
ROUNDS = 3


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


def session_latency(customer: Customer, questions: list[str]) -> dict[str, list[float]]:
    """Alternate a greeting and a KB question in one conversation; time each reply."""
    rows: dict[str, list[float]] = {"greeting reply (REST)": [], "KB answer reply (REST)": []}
    for _ in range(ROUNDS):
        for question in questions:
            for name, text in (("greeting reply (REST)", "hello"), ("KB answer reply (REST)", question)):
                start = time.perf_counter()
                replies = customer.say(text)
                rows[name].append((time.perf_counter() - start) * 1000)
                assert replies, f"no reply to {text!r}"
    return rows


def main() -> None:
    """Run the benchmarks and write the report."""
    OUT.mkdir(parents=True, exist_ok=True)
    entries, _ = validate(read_raw_entries(REPO_ROOT / "kb" / "content"))
    # The last variant of each entry, lower-cased: phrasings a customer might type.
    questions = [e.questions[-1].lower() for e in entries]
    with bench_stack() as stack:
        customer = Customer(stack.rasa_url)
        customer.say("warm up")
        session = session_latency(customer, questions)
        handoffs = handoff_latency(stack)
    threads = encoder_threads(load_settings().embedding_model, questions)
    report = "\n\n".join([
        "# Latency benchmark",
        f"Machine: {os.cpu_count()} cores, {platform.platform()}. KB: the sample, {len(entries)} entries. "
        f"One customer session through Rasa's REST channel: {ROUNDS} rounds of a greeting then a KB question, "
        f"{len(questions)} different questions a round.",
        "## Reply latency, one session", table(session),
        f"![session]({boxplot(session, 'Reply latency, one REST session', OUT / 'session.png').name})",
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
