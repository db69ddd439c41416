"""The action server's outage replay: handoff.outage_replay bound to this process's Redis,
journal, knowledge base and settings, run by a background thread (actions.server)."""

from __future__ import annotations

from typing import Any

import redis

from actions.runtime import knowledge_base, outage_journal, redis_client, secret, settings
from handoff import outage_replay
from kb.service import KnowledgeBase
from reports.ratings import FeedbackLog


def apply_record(client: redis.Redis, kb: KnowledgeBase, record: dict[str, Any]) -> None:
    """Replay one journal record into Redis (handoff.outage_replay.apply_record); ratings go to the report."""
    def keep_rating(rating: dict[str, Any]) -> None:
        FeedbackLog(client).record(**rating)

    outage_replay.apply_record(client, kb, record, settings().repeat_window_days, keep_rating)


def take_over_actions_down(client: redis.Redis) -> int:
    """Journal what Rasa kept in Redis while this server was down (0 when another replica is at it)."""
    return outage_replay.take_over_actions_down(client, outage_journal(), secret())


def replay_journal() -> int:
    """Take over what Rasa kept, then replay the journal into Redis; 0 while Redis is down."""
    client = redis_client()
    return outage_replay.replay_journal(
        client, outage_journal(), secret(), lambda record: apply_record(client, knowledge_base(), record),
    )


def journal_replayer() -> outage_replay.JournalReplayer:
    """The thread that replays the journal every few seconds."""
    return outage_replay.JournalReplayer(replay_journal)
