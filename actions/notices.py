"""Telling a conversation the service notices that concern it, before the bot's reply."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Iterable

from rasa_sdk.executor import CollectingDispatcher
from redis.exceptions import RedisError

from actions.runtime import knowledge_base, redis_client
from notices.board import NoticeBoard, customer_text

logger = logging.getLogger(__name__)


async def tell_notices(dispatcher: CollectingDispatcher, conversation: str, entry_ids: Iterable[str]) -> None:
    """Put the notices this conversation has not heard yet in front of the reply.

    Notices for everyone are told at the first message after they are posted; a category's
    notice when the reply names an entry of that category. Best effort: a notice is never worth
    failing the reply for.
    """
    def categories() -> set[str]:
        kb = knowledge_base()
        return {entry.category for entry in map(kb.entry, entry_ids) if entry is not None}

    def work() -> list[str]:
        now = time.time()
        return [customer_text(n, now) for n in NoticeBoard(redis_client()).to_tell(conversation, categories, now)]

    try:
        texts = await asyncio.to_thread(work)
    except RedisError as error:
        logger.warning("Could not read the service notices: %s", error)
        return
    reply = list(dispatcher.messages)
    dispatcher.messages.clear()
    for text in texts:
        dispatcher.utter_message(text=text)
    dispatcher.messages.extend(reply)
