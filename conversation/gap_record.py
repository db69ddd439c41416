"""Keeping what the KB fell short on (a question without an answer, an answer said no to)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from redis.exceptions import RedisError

from conversation.context import Services
from kb.gaps import GapKind, GapLog

logger = logging.getLogger(__name__)


async def note_gap(services: Services, conversation: str, question: str, kind: GapKind, entries: Iterable[str]) -> None:
    """Record a gap for content owners; best effort, the customer's reply never waits on it failing."""
    if not question or question.startswith("/"):
        return  # a button payload is not something a customer asked

    def work() -> None:
        kb = services.knowledge_base
        GapLog(services.redis).record(question, kind, list(entries), conversation, kb.vector(question))

    try:
        await asyncio.to_thread(work)
    except RedisError as error:
        logger.warning("Could not record a KB gap: %s", error)
