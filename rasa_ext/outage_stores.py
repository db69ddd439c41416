"""Redis tracker and lock stores that keep the conversation going through a Redis outage.

Rasa 3.6 with its plain Redis stores drops a message when Redis is unreachable: acquiring the
lock fails, the REST channel answers `[]` and socket.io sends nothing, so the customer is left in
silence and what they typed is gone. These stores (named in endpoints.yml) instead:

* lock store: falls back to an in-process lock while Redis is down. One conversation is routed
  to one Rasa replica (see the README), so a per-process lock is enough for the outage;
* tracker store: keeps a conversation it could not write in memory, continues it from there
  (or from the last version it saved, for the recent conversations it served) while Redis
  stays down, and writes it into Redis (after the history Redis already had) on the first
  read once Redis is back. So a customer chatting with an agent stays with the agent.
  Meanwhile the action server, which cannot reach Redis either, tells the customer plainly
  and keeps what is meant for people in its journal (actions.outage).

What is held only in memory is lost if this Rasa process stops during the outage; it is logged.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any, List, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore
from rasa.core.tracker_store import InMemoryTrackerStore, RedisTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

SESSION_START = "action_session_start"
# Memory each Rasa process spends on the last saved versions of recent conversations, so they
# can go on through an outage (a 10-turn conversation serialises to ~15 KB, 150 turns to ~250 KB;
# serialising the latter costs ~7 ms, next to the ~80 ms Rasa spends reading it back each turn).
RECENT_BYTES = 64 * 1024 * 1024


class OutageLockStore(RedisLockStore):
    """Redis locks, or in-process locks while Redis is unreachable."""

    def __init__(self, endpoint_config: Any) -> None:
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)
        self._fallback = InMemoryLockStore()

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        try:
            return super().get_lock(conversation_id)
        except RedisError as error:
            logger.warning("Redis unreachable, using an in-process lock for %s: %s", conversation_id, error)
            return self._fallback.get_lock(conversation_id)

    def delete_lock(self, conversation_id: Text) -> None:
        self._fallback.conversation_locks.pop(conversation_id, None)
        try:
            super().delete_lock(conversation_id)
        except RedisError:
            pass  # nothing was kept in Redis while it was down

    def save_lock(self, lock: TicketLock) -> None:
        try:
            super().save_lock(lock)
        except RedisError:
            self._fallback.save_lock(lock)


def outage_events(held: DialogueStateTracker, stored: Optional[DialogueStateTracker]) -> List[Event]:
    """The events of `held` that `stored` lacks, in order.

    A conversation that Redis could not even be read for was restarted in memory with a new
    session; its session start is left out when it joins the history Redis kept, so the slots
    of that history (the customer, an open handoff) stay in force.
    """
    known = [event.as_dict() for event in stored.events] if stored else []
    fresh = [event for event in held.events if event.as_dict() not in known]
    if not known:
        return fresh
    return [
        event for event in fresh
        if not isinstance(event, SessionStarted)
        and not (isinstance(event, ActionExecuted) and event.action_name == SESSION_START)
    ]


class OutageTrackerStore(RedisTrackerStore):
    """Redis trackers, held in memory while Redis is unreachable and written back after."""

    def __init__(self, domain: Any, host: Text = "localhost", **kwargs: Any) -> None:
        self._held = InMemoryTrackerStore(domain)
        # The last version saved of the most recent conversations (serialised), so one that
        # Redis cannot be read for during an outage goes on from where it was, not afresh.
        self._recent: OrderedDict[Text, Text] = OrderedDict()
        self._recent_bytes = 0
        super().__init__(domain, host=host, **kwargs)

    @property
    def domain(self) -> Domain:
        return self._domain

    @domain.setter
    def domain(self, domain: Optional[Domain]) -> None:
        # Rasa sets the domain after loading the model; the held trackers need its slots too
        # (else the slots set during the outage, such as an open ticket, are dropped).
        self._domain = self._held.domain = domain or Domain.empty()

    async def save(self, tracker: DialogueStateTracker, timeout: Optional[float] = None) -> None:
        try:
            await super().save(tracker, timeout)
            self._remember(tracker)
        except RedisError as error:
            logger.error("Redis unreachable; holding conversation %s in memory until it is back: %s",
                         tracker.sender_id, error)
            await self._held.save(tracker)

    def _remember(self, tracker: DialogueStateTracker) -> None:
        serialised = self.serialise_tracker(tracker)
        self._recent_bytes += len(serialised) - len(self._recent.pop(tracker.sender_id, ""))
        self._recent[tracker.sender_id] = serialised
        while self._recent_bytes > RECENT_BYTES:
            self._recent_bytes -= len(self._recent.popitem(last=False)[1])

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await self._read(sender_id, fetch_all_sessions=False)

    async def retrieve_full_tracker(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await self._read(sender_id, fetch_all_sessions=True)

    async def _read(self, sender_id: Text, fetch_all_sessions: bool) -> Optional[DialogueStateTracker]:
        held = await self._held.retrieve_full_tracker(sender_id)
        try:
            if held is not None:
                await self._write_back(sender_id, held)
            return await self._retrieve(sender_id, fetch_all_sessions)
        except RedisError as error:
            logger.error("Redis unreachable; continuing conversation %s from memory: %s", sender_id, error)
            if held is None and sender_id in self._recent:
                self._held.store[sender_id] = self._recent[sender_id]
                held = await self._held.retrieve_full_tracker(sender_id)
            if held is None:
                return None
            return held if fetch_all_sessions else await self._held.retrieve(sender_id)

    async def _write_back(self, sender_id: Text, held: DialogueStateTracker) -> None:
        """Append what was held during the outage to the history in Redis, then forget it."""
        stored = await self._retrieve(sender_id, fetch_all_sessions=True)
        merged = stored or DialogueStateTracker(sender_id, self.domain.slots)
        missing = outage_events(held, stored)
        merged.update_with_events(missing, self.domain, override_timestamp=False)
        await super().save(merged)
        self._held.store.pop(sender_id, None)
        logger.info("Redis is back; wrote conversation %s (%d held events) to it", sender_id, len(missing))
