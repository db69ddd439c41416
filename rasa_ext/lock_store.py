"""Rasa's lock store (named in endpoints.yml): the atomic Redis lock, kept going through a Redis outage.

Each message Rasa handles (`lock()`, the only method Rasa 3.6 calls on it) holds its conversation's
lock in Redis (rasa_ext.redis_lock: one owner across every replica, in arrival order, with leases
and fencing), so any replica can serve any message. Waiting longer than Rasa's lock lifetime
(60 s, TICKET_LOCK_LIFETIME) raises Rasa's LockError, as Rasa's own stores do.

While Redis is unreachable it falls back to an in-process lock, so the conversation goes on (the
tracker store holds it meanwhile: rasa_ext.outage_stores). During an outage replicas cannot see
each other's locks; this process's messages of one conversation still take turns (and the
channels' lines, rasa_ext.conversation_queue, already keep a process's messages in order).

Rasa's ticket-lock methods (get_lock, save_lock...) are not used: the lock's state lives in Redis
and changes only through its scripts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from redis.exceptions import RedisError

from rasa_ext.redis_connection import client
from rasa_ext.redis_lock import ConversationLocks, Held, LockTimeout

logger = logging.getLogger(__name__)


class OutageLockStore(LockStore):
    """Atomic per-conversation locks in Redis, or in-process ones while Redis is unreachable."""

    def __init__(self, endpoint_config: Any) -> None:
        options = endpoint_config.kwargs
        # REDIS_URL: one server or Sentinel (follows a failover).
        red = client(options.get("redis_url"))
        self.locks = ConversationLocks(red, prefix=options.get("key_prefix") or "lock")
        self._local: dict[str, tuple[asyncio.Lock, int]] = {}  # outage locks: lock, tasks using it
        super().__init__()

    @asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[Any, None]:  # Held, or None in an outage (Rasa uses neither; its type says TicketLock)
        """Hold the conversation's lock for the body (`wait_time_in_seconds` is unused: no polling)."""
        async with AsyncExitStack() as stack:
            held: Held | None = None
            try:
                held = await stack.enter_async_context(
                    self.locks.hold(conversation_id, max_wait=lock_lifetime, max_hold=lock_lifetime))
            except LockTimeout as error:
                raise LockError(str(error)) from error
            except RedisError as error:
                logger.warning("Redis unreachable, using an in-process lock for %s: %s", conversation_id, error)
                await stack.enter_async_context(self._local_lock(conversation_id))
            yield held

    @asynccontextmanager
    async def _local_lock(self, conversation_id: str) -> AsyncIterator[None]:
        lock, users = self._local.get(conversation_id) or (asyncio.Lock(), 0)
        self._local[conversation_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._local[conversation_id]
            if users == 1:
                del self._local[conversation_id]
            else:
                self._local[conversation_id] = (lock, users - 1)
