"""The action server's shared objects, created on first use (never at import time)."""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Callable, TypeVar

import redis
from redis.exceptions import RedisError
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from infra.redis_client import connect
from handoff.journal import OutageJournal
from infra.settings import Settings, load_settings
from kb.encoder import Encoder
from kb.retrieval_config import RetrievalConfig
from kb.service import KnowledgeBase
from kb.store import KBStore

logger = logging.getLogger(__name__)
T = TypeVar("T")


@functools.lru_cache(maxsize=1)
def settings() -> Settings:
    """The settings, read once."""
    return load_settings()


@functools.lru_cache(maxsize=1)
def redis_client() -> redis.Redis:
    """The process's Redis client (a connection pool; connects on first command)."""
    return connect(settings().redis)


@functools.lru_cache(maxsize=1)
def outage_journal() -> OutageJournal:
    """The journal of tickets and messages taken while Redis is down (under DATA_DIR)."""
    return OutageJournal(settings().data_dir / "outage-journal.jsonl")


@functools.lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    """The process's one KnowledgeBase (its model and index are loaded lazily)."""
    current = settings()
    return KnowledgeBase(
        KBStore(redis_client()),
        Encoder(current.embedding_model, current.torch_threads),
        RetrievalConfig.load(),
    )


async def call_kb(dispatcher: CollectingDispatcher, work: Callable[[], T]) -> T | None:
    """Run blocking KB work (encoding, FAISS, Redis) off the event loop.

    rasa-sdk runs actions on its event loop; blocking it would stall every other
    conversation. On a Redis outage the customer is told so, and None is returned.
    """
    try:
        return await asyncio.to_thread(work)
    except RedisError as error:
        logger.error("Knowledge base store unreachable: %s", error)
        for message in replies.kb_unavailable():
            dispatcher.utter_message(**message)
        return None
