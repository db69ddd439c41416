"""The action server's outage replay: conversation.outage.replay on this process's services,
run every few seconds by a background thread (actions.server)."""

from __future__ import annotations

from typing import Any

import redis

from actions.runtime import outage_journal, secret, services, settings
from conversation.outage import apply_journal_record, replay
from handoff import outage_replay
from kb.service import KnowledgeBase


def apply_record(client: redis.Redis, kb: KnowledgeBase, record: dict[str, Any]) -> None:
    """Replay one journal record into Redis, with this server's repeat window."""
    apply_journal_record(client, kb, record, settings().repeat_window_days)


def take_over_actions_down(client: redis.Redis) -> int:
    """Journal what Rasa kept in Redis while this server was down (0 when another replica is at it)."""
    return outage_replay.take_over_actions_down(client, outage_journal(), secret())


def replay_journal() -> int:
    """Take over what Rasa kept, then replay the journal into Redis; 0 while Redis is down."""
    return replay(services())


def journal_replayer() -> outage_replay.JournalReplayer:
    """The thread that replays the journal every few seconds."""
    return outage_replay.JournalReplayer(replay_journal)
