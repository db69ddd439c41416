"""One owner per conversation across every Rasa replica: an atomic ticket lock in Redis, with fencing.

Rasa 3.6's Redis lock store reads the lock, changes it in Python and writes it back: two replicas
taking a ticket at once can both be served, and their turns overwrite each other's tracker. It
also polls the lock once a second. Here every change is one Lua script, so it is atomic:

* a message takes a ticket: the next number of the conversation's counter (INCR, so the numbers
  only grow: the ticket is the holder's **fencing token**) and joins the conversation's queue;
* the lowest live ticket in the queue owns the conversation; the others wait for it, woken by a
  pub/sub message at each release (no polling delay), with a fallback re-check every third of a
  lease in case a notice is missed (and at the owner's lease end, should the owner be dead);
* every ticket has a **lease** (LEASE_SECONDS) that its process renews while it waits or holds
  (at most `max_hold` seconds for a holder): a replica killed with `kill -9` stops renewing, and
  its tickets lapse within a lease, so its conversations go on through the other replicas;
* a write made for the holder checks its token in the same script (`fenced_set`): a holder
  whose lease lapsed (a stalled process) and whose conversation went on elsewhere is refused
  (StaleLock) instead of overwriting the newer history.

Keys, all under `<prefix>:<conversation id>:` (prefix from endpoints.yml, "lock"): `queue` (sorted
set: ticket -> ticket), `leases` (sorted set: ticket -> lease end, ms of Redis's clock, so replicas'
clocks need not agree), `fence` (the counter; kept FENCE_KEEP_SECONDS after the last ticket, as long
as a tracker). Releases are published on `<prefix>:released` (the conversation id).

Pure redis-py and asyncio (no Rasa import): unit-tested from the app's venv; rasa_ext.lock_store
adapts it to Rasa's LockStore.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# A holder's or waiter's lease, renewed every third of it: a dead replica's conversations wait at
# most this long for its lock. Long enough for a process starved of CPU on a busy 2-core machine.
LEASE_SECONDS = 6.0
# The fence counter outlives its last ticket as long as a tracker does (endpoints.yml record_exp),
# so a conversation's tokens keep growing for as long as it can go on.
FENCE_KEEP_SECONDS = 7 * 24 * 3600

# Common head of the scripts: KEYS[1] queue, KEYS[2] leases; drops the lapsed tickets, sets `now` (ms).
_PRUNE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - 1)
if #lapsed > 0 then
  redis.call('ZREM', KEYS[1], unpack(lapsed))
  redis.call('ZREM', KEYS[2], unpack(lapsed))
end
"""
# The owner and its lease's remaining ms, or {} when no one holds the lock.
_OWNER = """
local function owner()
  local head = redis.call('ZRANGE', KEYS[1], 0, 0)
  if #head == 0 then return {} end
  return {tonumber(head[1]), tonumber(redis.call('ZSCORE', KEYS[2], head[1])) - now}
end
"""
# ARGV: lease ms, fence keep ms. KEYS[3] fence. -> {ticket, owner ticket, owner's lease ms left}
_TAKE = _PRUNE + _OWNER + """
local ticket = redis.call('INCR', KEYS[3])
redis.call('PEXPIRE', KEYS[3], ARGV[2])
redis.call('ZADD', KEYS[1], ticket, ticket)
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), ticket)
for i = 1, 2 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
local o = owner()
return {ticket, o[1], o[2]}
"""
# ARGV: ticket, lease ms. Renews the ticket. -> {} if it lapsed, else {owner ticket, owner's lease ms left}
_RENEW = _PRUNE + _OWNER + """
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return {} end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
return owner()
"""
# ARGV: ticket, conversation id. KEYS[3] the release channel. -> 1 if the ticket was still live
_RELEASE = _PRUNE + """
local live = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('DEL', KEYS[1], KEYS[2]) end
redis.call('PUBLISH', KEYS[3], ARGV[2])
return live
"""
# ARGV: ticket, value, expiry s (0: none). KEYS[3] the key written. -> 1 written, 0 refused (stale)
_FENCED_SET = _PRUNE + _OWNER + """
local o = owner()
if o[1] ~= tonumber(ARGV[1]) then return 0 end
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[3], ARGV[2], 'EX', ARGV[3])
else
  redis.call('SET', KEYS[3], ARGV[2])
end
return 1
"""


class LockTimeout(Exception):
    """The conversation's lock was not ours within the time allowed."""


class StaleLock(Exception):
    """A write for a holder whose lease lapsed (its conversation may have gone on elsewhere)."""


@dataclass
class Held:
    """A conversation's lock as its holder has it: the ticket is the fencing token."""

    conversation_id: str
    token: int
    keys: tuple[str, str]  # queue, leases
    locks: ConversationLocks = field(repr=False)
    lost: bool = False  # the lease lapsed while held (a renewal found the ticket gone)
    renewer: asyncio.Task | None = field(default=None, repr=False)


# The lock the running task holds, so a store writing for it (a tracker save) can fence its write.
HOLDING: contextvars.ContextVar[Held | None] = contextvars.ContextVar("holding", default=None)


def write_fenced(conversation_id: str, key: str, value: str | bytes, expire_seconds: int = 0,
                 client: redis.Redis | None = None) -> bool:
    """SET `key` for the conversation's lock holder, if the running task is it (within `hold`).

    `client` (same Redis, default the lock's) runs it, so a WAIT on that client's connection covers it.
    Returns False when the task holds no lock of that conversation (the caller writes as usual);
    raises StaleLock if its lease lapsed and the conversation may have gone on elsewhere.
    """
    held = HOLDING.get()
    if held is None or held.conversation_id != conversation_id:
        return False
    held.locks.fenced_set(held, key, value, expire_seconds, client)
    return True


class ConversationLocks:
    """The conversations' locks in one Redis; one instance per process."""

    def __init__(self, red: redis.Redis, prefix: str = "lock", lease_seconds: float = LEASE_SECONDS) -> None:
        self.red = red
        self.prefix = prefix
        self.lease_ms = int(lease_seconds * 1000)
        self._take = red.register_script(_TAKE)
        self._renew = red.register_script(_RENEW)
        self._release = red.register_script(_RELEASE)
        self._fenced_set = red.register_script(_FENCED_SET)
        self._channel = f"{prefix}:released"
        # Waiters of this process by conversation, woken from the listener thread.
        self._waiters: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}
        self._waiters_guard = threading.Lock()
        self._listener: threading.Thread | None = None

    def keys(self, conversation_id: str) -> tuple[str, str, str]:
        """The queue, leases and fence keys of a conversation."""
        base = f"{self.prefix}:{conversation_id}:"
        return base + "queue", base + "leases", base + "fence"

    @asynccontextmanager
    async def hold(self, conversation_id: str, max_wait: float, max_hold: float) -> AsyncIterator[Held]:
        """Hold the conversation's lock (waiting up to `max_wait` s) for the body; renewed up to `max_hold` s."""
        held = await self.acquire(conversation_id, max_wait, max_hold)
        token = HOLDING.set(held)
        try:
            yield held
        finally:
            HOLDING.reset(token)
            try:
                self.release(held)
            except RedisError as error:
                # Not lost: the lease lapses on its own (within LEASE_SECONDS) and the next one goes on.
                logger.warning("Could not release the lock of conversation %s: %s", conversation_id, error)

    async def acquire(self, conversation_id: str, max_wait: float, max_hold: float) -> Held:
        """Take a ticket and wait until it owns the conversation. Raises LockTimeout, RedisError."""
        queue, leases, fence = self.keys(conversation_id)
        wake = asyncio.Event()
        self._add_waiter(conversation_id, wake)  # before the ticket: no release can slip between
        try:
            ticket, owner, left_ms = self._take(keys=[queue, leases, fence],
                                                args=[self.lease_ms, FENCE_KEEP_SECONDS * 1000])
            held = Held(conversation_id, int(ticket), (queue, leases), self)
            deadline = time.monotonic() + max_wait
            while owner != held.token:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.release(held)
                    raise LockTimeout(f"conversation {conversation_id}: lock not free within {max_wait:.0f} s")
                self._ensure_listener()
                # Woken by a release; else re-checked when the owner's lease ends (a dead owner)
                # or a third of our own lease has passed (to renew it).
                pause = min(remaining, self.lease_ms / 3000, max(left_ms, 10) / 1000)
                try:
                    await asyncio.wait_for(wake.wait(), pause)
                except asyncio.TimeoutError:
                    pass
                wake.clear()
                state = self._renew(keys=[queue, leases], args=[held.token, self.lease_ms])
                if not state:
                    raise LockTimeout(f"conversation {conversation_id}: ticket {held.token} lapsed while waiting")
                owner, left_ms = state
        finally:
            self._drop_waiter(conversation_id, wake)
        held.renewer = asyncio.get_running_loop().create_task(self._keep(held, max_hold))
        return held

    def release(self, held: Held) -> None:
        """Give the lock up and wake the next waiter, wherever it is."""
        if held.renewer is not None:
            held.renewer.cancel()
        if not self._release(keys=[*held.keys, self._channel], args=[held.token, held.conversation_id]):
            held.lost = True
        if held.lost:
            logger.warning("The lock of conversation %s (ticket %d) had lapsed before it was released",
                           held.conversation_id, held.token)

    def fenced_set(self, held: Held, key: str, value: str | bytes, expire_seconds: int = 0,
                   client: redis.Redis | None = None) -> None:
        """SET `key` only if `held` still owns its conversation; raises StaleLock if not."""
        written = self._fenced_set(keys=[*held.keys, key], args=[held.token, value, expire_seconds], client=client)
        if not written:
            held.lost = True
            raise StaleLock(f"conversation {held.conversation_id}: ticket {held.token} no longer holds the lock")

    async def _keep(self, held: Held, max_hold: float) -> None:
        """Renew the lease every third of it, for at most `max_hold` s (a hung turn frees the lock)."""
        until = time.monotonic() + max_hold
        while time.monotonic() < until:
            await asyncio.sleep(self.lease_ms / 3000)
            try:
                if not self._renew(keys=list(held.keys), args=[held.token, self.lease_ms]):
                    held.lost = True
                    logger.error("The lock of conversation %s (ticket %d) lapsed while held",
                                 held.conversation_id, held.token)
                    return
            except RedisError as error:
                logger.warning("Could not renew the lock of conversation %s: %s", held.conversation_id, error)

    def _add_waiter(self, conversation_id: str, wake: asyncio.Event) -> None:
        with self._waiters_guard:
            self._waiters.setdefault(conversation_id, set()).add((asyncio.get_running_loop(), wake))

    def _drop_waiter(self, conversation_id: str, wake: asyncio.Event) -> None:
        with self._waiters_guard:
            waiters = self._waiters.get(conversation_id, set())
            waiters.discard((asyncio.get_running_loop(), wake))
            if not waiters:
                self._waiters.pop(conversation_id, None)

    def _ensure_listener(self) -> None:
        # Started at the first wait: a replica that never waits keeps no subscription.
        if self._listener is None:
            self._listener = threading.Thread(target=self._listen, name="lock-releases", daemon=True)
            self._listener.start()

    def _listen(self) -> None:
        """Wake this process's waiters of each released conversation (a thread: redis-py's pub/sub blocks)."""
        while True:
            try:
                pubsub = self.red.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self._channel)
                while True:
                    # A bounded wait, not listen(): a quiet minute must not trip the socket timeout.
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self._wake(message["data"].decode())
            except RedisError as error:
                # Waiters fall back to re-checking meanwhile.
                logger.debug("Lock release notices interrupted: %s", error)
                time.sleep(1)

    def _wake(self, conversation_id: str) -> None:
        with self._waiters_guard:
            waiters = list(self._waiters.get(conversation_id, ()))
        for loop, wake in waiters:
            loop.call_soon_threadsafe(wake.set)
