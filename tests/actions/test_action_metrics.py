"""The action server's metrics (actions/metrics.py): KB outcomes and handoffs counted from a turn's
result, and the outage backlogs read at each scrape. A handoff queued in Redis, with its priority and
reasons, is counted end to end in tests/e2e/test_metrics.py."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import redis
from prometheus_client import REGISTRY

from actions.metrics import OutageBacklog, count_turn
from bench.clients import free_port
from conversation.context import TurnResult
from handoff.journal import ACTIONS_DOWN_KEY, OutageJournal, new_reference
from infra.metrics import probe_client
from infra.settings import RedisSettings


def counted(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def count(ticket_before: str | None, result: TurnResult) -> None:
    # In a thread: the e2e tests' Playwright keeps an event loop in the main thread in the full suite.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, count_turn(ticket_before, result)).result()


def test_kb_outcomes_are_counted_and_other_turns_not():
    before = {kind: counted("support_kb_outcomes_total", outcome=kind) for kind in ("answer", "clarify", "dont_know")}
    count(None, TurnResult([], {}, outcome="clarify"))
    count(None, TurnResult([], {}, outcome=""))
    after = {kind: counted("support_kb_outcomes_total", outcome=kind) for kind in before}
    assert after == {**before, "clarify": before["clarify"] + 1}


def test_a_ticket_taken_during_an_outage_is_counted_once():
    ticket = new_reference()
    before = counted("support_handoffs_total", priority="unknown", kind="outage")
    count("", TurnResult([], {"handoff_ticket": ticket}, outcome="handoff"))
    # The next turn of the same conversation keeps its ticket: not a new handoff.
    count(ticket, TurnResult([], {"handoff_ticket": ticket}, outcome="handoff"))
    assert counted("support_handoffs_total", priority="unknown", kind="outage") == before + 1


def backlog(collector: OutageBacklog) -> dict[str, float]:
    return {sample.name: sample.value for family in collector.collect() for sample in family.samples}


def test_the_backlogs_show_what_waits_for_replay(tmp_path: Path, redis_client: redis.Redis):
    journal = OutageJournal(tmp_path / "outage-journal.jsonl")
    collector = OutageBacklog(journal.path, redis_client)
    assert backlog(collector) == {"support_outage_journal_records": 0, "support_actions_down_records": 0}
    journal.write("open", "TXAAAAAA", sender_id="s1")
    journal.write("contact", "TXAAAAAA", text="me@example.com")
    redis_client.rpush(ACTIONS_DOWN_KEY, b"{}")
    assert backlog(collector) == {"support_outage_journal_records": 2, "support_actions_down_records": 1}
    journal.replay(lambda record: None)
    assert backlog(collector)["support_outage_journal_records"] == 0
    # With Redis unreachable the journal still counts; what Redis holds is unknown, so absent.
    down = OutageBacklog(journal.path, probe_client(RedisSettings(f"redis://localhost:{free_port()}/0")))
    assert backlog(down) == {"support_outage_journal_records": 0}
