"""Redis tracker and lock stores that keep the conversation going through a Redis outage.

Rasa 3.6 with its plain Redis stores drops a message when Redis is unreachable: acquiring the
lock fails, the REST channel answers `[]` and socket.io sends nothing, so the customer is left in
silence and what they typed is gone. These stores (named in endpoints.yml) instead:

* lock store: rasa_ext/lock_store.py (an in-process lock while Redis is down);
* tracker store: keeps a conversation it could not write in memory, continues it from there
  (or from the last version it saved, for the recent conversations it served) while Redis
  stays down, and writes it into Redis (after the history Redis already had) as soon as Redis
  answers again: a background task pings Redis every second while anything is held, and any
  read or save does the same first. So a customer chatting with an agent stays with the agent.
  Meanwhile the action server, which cannot reach Redis either, tells the customer plainly
  and keeps what is meant for people in its journal (conversation.outage, handoff.outage_replay).

Each held conversation is also appended to this process's journal on disk
(`DATA_DIR/rasa-held/`, rasa_ext.held_journal), forced to disk before the save returns, that is
before a REST customer gets the reply. A journal left by a process that stopped or was killed
(`kill -9`) during the outage is written into Redis by the next Rasa process that sees it with
Redis up (the restarted one, or another replica sharing DATA_DIR), before it serves any
conversation, and then removed.

What can still be lost: nothing whose save returned. If the Rasa process is killed during an
outage, the turn it was processing at that moment (the message received, the reply not yet
saved) is lost: the REST customer gets no reply, but a socket.io customer may already have seen
the bot's answer to it. And the journal is only as durable as the disk DATA_DIR is on.

DATA_DIR is read from the environment (set by launcher.stack from infra/settings.py), as
rasa_ext.action_outage reads its settings: Rasa's process cannot load the app's settings model.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections import OrderedDict
from contextlib import closing
from pathlib import Path
from typing import Any

from rasa.core.tracker_store import InMemoryTrackerStore, RedisTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from redis.exceptions import RedisError

from rasa_ext.held_journal import HeldJournal
from rasa_ext.redis_connection import client, confirm_replicated
from rasa_ext.redis_lock import write_fenced
from rasa_ext.tracker_json import joined_history, latest_window

logger = logging.getLogger(__name__)

SESSION_START = "action_session_start"
# Memory each Rasa process spends on the last saved versions of recent conversations, so they
# can go on through an outage (a 10-turn conversation serialises to ~15 KB, 150 turns to ~250 KB;
# the string written to Redis is kept, so keeping it costs no time).
RECENT_BYTES = 64 * 1024 * 1024
DATA_DIR = Path(os.environ.get("DATA_DIR") or Path(__file__).resolve().parents[1] / ".data")
JOURNAL_DIR = DATA_DIR / "rasa-held"
# How often, while anything is held, Redis is asked whether it is back.
WATCH_SECONDS = 1.0


def outage_events(held: DialogueStateTracker, stored: DialogueStateTracker | None) -> list[Event]:
    """The events of `held` that `stored` lacks, in order.

    A conversation that Redis could not even be read for was restarted in memory with a new
    session; its session start is left out when it joins the history Redis kept, so the slots
    of that history (the customer, an open handoff) stay in force.
    """
    known = {_key(event) for event in stored.events} if stored else set()
    fresh = [event for event in held.events if _key(event) not in known]
    if not known:
        return fresh
    return [
        event for event in fresh
        if not isinstance(event, SessionStarted)
        and not (isinstance(event, ActionExecuted) and event.action_name == SESSION_START)
    ]


def _key(event: Event) -> str:
    # Events are compared as Rasa compares them when merging trackers: by their dict form.
    return json.dumps(event.as_dict(), sort_keys=True, default=str)


class OutageTrackerStore(RedisTrackerStore):
    """Redis trackers, held in memory (and journalled) while Redis is unreachable, written back after."""

    def __init__(self, domain: Any, redis_url: str | None = None, **kwargs: Any) -> None:
        self._held = InMemoryTrackerStore(domain)
        self._journal = HeldJournal(JOURNAL_DIR)
        # Conversations last read from memory: their next save joins Redis's history as a held
        # one does (else a session restarted in memory would reset the slots Redis kept).
        self._from_memory: set[str] = set()
        self._watcher: asyncio.Task | None = None
        # The last version saved of the most recent conversations (serialised), so one that
        # Redis cannot be read for during an outage goes on from where it was, not afresh.
        self._recent: OrderedDict[str, str] = OrderedDict()
        self._recent_bytes = 0
        super().__init__(domain, **kwargs)
        # REDIS_URL: one server or Sentinel (follows a failover); text, as Rasa's own client.
        self.red = client(redis_url, decode_responses=True)

    @property
    def domain(self) -> Domain:
        return self._domain

    @domain.setter
    def domain(self, domain: Domain | None) -> None:
        # Rasa sets the domain after loading the model; the held trackers need its slots too
        # (else the slots set during the outage, such as an open ticket, are dropped).
        self._domain = self._held.domain = domain or Domain.empty()
        if not self._domain.is_empty():
            # Rasa loads the model inside its event loop (a before_server_start listener), so
            # the watcher can start here; it also replays journals of stopped processes.
            self._start_watcher()

    def _start_watcher(self) -> None:
        if self._watcher is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # not in a server (no event loop): reads and saves still catch up
        self._watcher = loop.create_task(self._watch())

    async def _watch(self) -> None:
        """While anything is held here or left by a stopped process, write it back once Redis answers."""
        while True:
            try:
                if self._held.store or self._journal.has_others():
                    # In a thread: an unreachable Redis host must not stall the conversations.
                    await asyncio.to_thread(self.red.ping)
                    await self._catch_up()
            except RedisError as error:
                logger.debug("Redis still unreachable: %s", error)
            except Exception:
                logger.exception("Writing held conversations back to Redis failed; retrying")
            await asyncio.sleep(WATCH_SECONDS)

    async def _catch_up(self) -> None:
        """Write into Redis what stopped processes left in their journals, then what is held here.

        No await in here really suspends (the Redis client is synchronous), so no turn of the
        same conversation runs in between. Raises RedisError if Redis is still unreachable.
        """
        with closing(self._journal.orphans()) as orphans:  # closing unlocks the one being replayed
            for orphan in orphans:
                for sender_id, serialised in orphan.trackers.items():
                    tracker = self._deserialise_held(sender_id, serialised)
                    if tracker is not None:
                        await self._merge_into_redis(sender_id, tracker)
                confirm_replicated(self.red)
                orphan.discard()
                logger.warning("Wrote %d conversation(s) held by a Rasa process that stopped during a "
                               "Redis outage into Redis (%s)", len(orphan.trackers), orphan.path.name)
        written = list(self._held.store)
        for sender_id in written:
            held = await self._held.retrieve_full_tracker(sender_id)
            if held is not None:
                await self._merge_into_redis(sender_id, held)
        confirm_replicated(self.red)  # dropped from the journal only once a failover cannot lose it
        for sender_id in written:
            self._held.store.pop(sender_id, None)
        self._journal.clear()

    def _deserialise_held(self, sender_id: str, serialised: str) -> DialogueStateTracker | None:
        try:
            return self.deserialise_tracker(sender_id, serialised)
        except (ValueError, TypeError, KeyError) as error:
            # Only a journal edited by hand gets here; it must not stop every other conversation.
            logger.error("Skipping conversation %s in a held journal: it cannot be read (%s)", sender_id, error)
            return None

    async def _catch_up_if_needed(self) -> None:
        # A directory listing per turn (microseconds): a journal left by a stopped process goes
        # into Redis before any conversation in it is read, so its events stay in order.
        if self._held.store or self._journal.has_others():
            await self._catch_up()

    async def save(self, tracker: DialogueStateTracker, timeout: float | None = None) -> None:
        sender_id = tracker.sender_id
        try:
            await self._catch_up_if_needed()
            if sender_id in self._from_memory:
                tracker = await self._merge_into_redis(sender_id, tracker)
                self._from_memory.discard(sender_id)
                serialised = self.serialise_tracker(tracker)
            else:
                serialised = await self._write(tracker, timeout)
            # With Sentinel: a save no replica has is held and journalled too (NotReplicated).
            confirm_replicated(self.red)
            self._remember(sender_id, serialised)
        except RedisError as error:
            logger.error("Redis unreachable; holding conversation %s in memory until it is back: %s",
                         sender_id, error)
            await self._hold(tracker)

    async def _write(self, tracker: DialogueStateTracker, timeout: float | None = None) -> str:
        """Rasa's save (the tracker after the history Redis has), with the history joined on the
        JSON (rasa_ext.tracker_json) instead of rebuilt; returns what was written.

        The write is fenced by the conversation's lock (rasa_ext.redis_lock) when the turn holds it.
        """
        await self.stream_events(tracker)
        key = self.key_prefix + tracker.sender_id
        serialised = self.serialise_tracker(tracker)
        stored = self.red.get(key)
        if stored is not None:
            joined = joined_history(stored, serialised)
            if joined is None:  # the histories diverge: Rasa's own merge
                prior = self.deserialise_tracker(tracker.sender_id, stored)
                joined = self.serialise_tracker(self._merge_trackers(prior, tracker) if prior else tracker)
            serialised = joined
        expiry = int(timeout or self.record_exp or 0)
        if not write_fenced(tracker.sender_id, key, serialised, expiry, client=self.red):
            self.red.set(key, serialised, ex=expiry or None)
        return serialised

    async def _hold(self, tracker: DialogueStateTracker) -> None:
        await self._held.save(tracker)
        try:
            self._journal.append(tracker.sender_id, self._held.store[tracker.sender_id])
        except OSError as error:
            logger.error("Could not journal conversation %s to disk (kept in memory only): %s",
                         tracker.sender_id, error)
        self._start_watcher()

    def _remember(self, sender_id: str, serialised: str) -> None:
        # What was just written to Redis: keeping it costs no serialisation of its own.
        self._recent_bytes += len(serialised) - len(self._recent.pop(sender_id, ""))
        self._recent[sender_id] = serialised
        while self._recent_bytes > RECENT_BYTES:
            self._recent_bytes -= len(self._recent.popitem(last=False)[1])

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        return await self._read(sender_id, fetch_all_sessions=False)

    async def retrieve_full_tracker(self, sender_id: str) -> DialogueStateTracker | None:
        return await self._read(sender_id, fetch_all_sessions=True)

    async def _read(self, sender_id: str, fetch_all_sessions: bool) -> DialogueStateTracker | None:
        try:
            await self._catch_up_if_needed()
            return await self._retrieve(sender_id, fetch_all_sessions)
        except RedisError as error:
            logger.error("Redis unreachable; continuing conversation %s from memory: %s", sender_id, error)
        self._from_memory.add(sender_id)
        if sender_id not in self._held.store and sender_id in self._recent:
            self._held.store[sender_id] = self._recent[sender_id]
        if fetch_all_sessions:
            return await self._held.retrieve_full_tracker(sender_id)
        return await self._held.retrieve(sender_id)

    async def _retrieve(self, sender_id: str, fetch_all_sessions: bool) -> DialogueStateTracker | None:
        """Rasa's read, with a turn's tracker (the latest session) cut to its last events on the
        JSON before it is rebuilt (rasa_ext.tracker_json.latest_window): a long conversation's
        turns cost no more than a short one's. The whole history stays in Redis."""
        if fetch_all_sessions:
            return await super()._retrieve(sender_id, fetch_all_sessions)
        stored = self.red.get(self.key_prefix + sender_id)
        if stored is None:
            return None
        return self.deserialise_tracker(sender_id, latest_window(stored))

    async def _merge_into_redis(self, sender_id: str, held: DialogueStateTracker) -> DialogueStateTracker:
        """Append what was held during the outage to the history in Redis; returns the result."""
        stored = await self._retrieve(sender_id, fetch_all_sessions=True)
        merged = stored or DialogueStateTracker(sender_id, self.domain.slots)
        missing = outage_events(held, stored)
        merged.update_with_events(missing, self.domain, override_timestamp=False)
        await super().save(merged)
        if missing:
            logger.info("Redis is back; wrote conversation %s (%d held events) to it", sender_id, len(missing))
        return merged
