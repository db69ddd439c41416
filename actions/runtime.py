"""The action server's shared objects, created on first use (never at import time)."""

from __future__ import annotations

import functools

import redis

from conversation.context import Services
from customers.identity import identity_secret
from handoff.journal import OutageJournal
from infra.redis_client import connect
from infra.settings import Settings, load_settings
from kb.encoder import Encoder
from kb.retrieval_config import RetrievalConfig
from kb.service import KnowledgeBase
from kb.store import KBStore


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


@functools.lru_cache(maxsize=1)
def secret() -> str:
    """The identity secret the website signs customers with (customers.identity)."""
    return identity_secret(settings())


def services() -> Services:
    """What a customer turn works with (conversation.context)."""
    return Services(settings(), redis_client(), knowledge_base(), outage_journal(), secret())
