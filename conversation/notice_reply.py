"""Telling a conversation the service notices that concern it, before the bot's reply."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable

from redis.exceptions import RedisError

from conversation.context import Services
from notices.board import NoticeBoard, customer_text

logger = logging.getLogger(__name__)


async def notices_to_tell(services: Services, conversation: str, entry_ids: Iterable[str]) -> list[str]:
    """The notices this conversation has not heard yet, as the bot tells them (each marked as told).

    Notices for everyone are told at the first message after they are posted; a category's
    notice when the reply names an entry of that category. Best effort: a notice is never worth
    failing the reply for, so a Redis failure tells none.
    """
    def categories() -> set[str]:
        kb = services.knowledge_base
        return {entry.category for entry in map(kb.entry, entry_ids) if entry is not None}

    def work() -> list[str]:
        now = time.time()
        return [customer_text(n, now) for n in NoticeBoard(services.redis).to_tell(conversation, categories, now)]

    try:
        return await asyncio.to_thread(work)
    except RedisError as error:
        logger.warning("Could not read the service notices: %s", error)
        return []
