"""Keeping what the KB fell short on (a question without an answer, an answer said no to)."""

from __future__ import annotations

import asyncio
import logging
from typing import Iterable

from redis.exceptions import RedisError

from actions.runtime import knowledge_base, redis_client
from kb.gaps import GapKind, GapLog

logger = logging.getLogger(__name__)


async def note_gap(conversation: str, question: str, kind: GapKind, entries: Iterable[str]) -> None:
    """Record a gap for content owners; best effort, the customer's reply never waits on it failing."""
    if not question or question.startswith("/"):
        return  # a button payload is not something a customer asked

    def work() -> None:
        GapLog(redis_client()).record(question, kind, list(entries), conversation, knowledge_base().vector(question))

    try:
        await asyncio.to_thread(work)
    except RedisError as error:
        logger.warning("Could not record a KB gap: %s", error)
