"""The handoff queue in Redis: durable records, priority order, atomic claims, live events.

Keys (all under `handoff:`):
    handoff:seq              ticket counter
    handoff:{ticket}         hash, one JSON value per Handoff field
    handoff:{ticket}:log     list of transcript lines (JSON)
    handoff:queue            sorted set of waiting tickets; lower score goes first
    handoff:tickets          sorted set of tickets taken while no agent was online
    handoff:all              sorted set of every ticket by creation time (closed ones expire, see close)
    handoff:sender:{sender}  the sender's open ticket
Events are published on `desk:events` (queue changes) and `desk:conv:{ticket}` (new lines).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

import redis

from customers.contacts import RETENTION_SECONDS
from handoff.records import RESPONSE_TARGET, TICKET_RESPONSE_TARGET, Handoff, Line, State
from handoff.summary import Summary

QUEUE_KEY = "handoff:queue"
TICKETS_KEY = "handoff:tickets"
ALL_KEY = "handoff:all"
EVENTS_CHANNEL = "desk:events"
OPEN_STATES = ("queued", "assigned")
# Closed handoffs (with their transcripts) are kept as long as the contact history that names
# their tickets (customers.contacts.RETENTION_SECONDS), then expire.
CLOSED_RETENTION_SECONDS = RETENTION_SECONDS

# ZREM is the lock: of two agents claiming at once, exactly one removes the ticket. The first
# claim's time stays (a transfer or a requeue is not the customer's first answer).
_CLAIM = """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[2], 'state', '"assigned"', 'agent', ARGV[2])
  local first = redis.call('HGET', KEYS[2], 'claimed_at')
  if not first or tonumber(first) == 0 then
    redis.call('HSET', KEYS[2], 'claimed_at', ARGV[3])
  end
  return 1
end
return 0
"""


def sender_key(sender_id: str) -> str:
    """The key naming a conversation's open ticket."""
    return f"handoff:sender:{sender_id}"


def conversation_channel(ticket: str) -> str:
    """The pub/sub channel that carries a handoff's new transcript lines."""
    return f"desk:conv:{ticket}"


def _parse(raw: dict[bytes, bytes]) -> Handoff:
    """A handoff from its Redis hash (one JSON value per field)."""
    return Handoff.from_dict({k.decode(): json.loads(v) for k, v in raw.items()})


def _stored(value: Any) -> str:
    """A record's field as stored: JSON, the summary in its stored shape."""
    return json.dumps(value.to_dict() if isinstance(value, Summary) else value)


def queue_score(priority: int, created_at: float) -> float:
    """Higher priority first, then older first (milliseconds fit well below 1e13)."""
    return -priority * 1e13 + created_at * 1000


class HandoffQueue:
    """Creates, orders, claims and closes handoffs; every state lives in Redis."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._claim = client.register_script(_CLAIM)

    @staticmethod
    def key(ticket: str) -> str:
        """The Redis key of a handoff's record."""
        return f"handoff:{ticket}"

    @staticmethod
    def log_key(ticket: str) -> str:
        """The Redis key of a handoff's transcript."""
        return f"handoff:{ticket}:log"

    def create(
        self, transcript: Iterable[Line], as_ticket: bool = False, ticket: str = "",
        created_at: float | None = None, **fields: Any,
    ) -> Handoff:
        """Store a new handoff (queued, or an offline ticket) with its transcript so far.

        `ticket` and `created_at` are given for a ticket taken while Redis was down (its
        reference was told to the customer then); otherwise the next number and now.
        """
        now = created_at or time.time()
        ticket = ticket or f"T{int(self._redis.incr('handoff:seq')):06d}"
        target = TICKET_RESPONSE_TARGET if as_ticket else RESPONSE_TARGET[fields["priority"]]
        handoff = Handoff(
            ticket=ticket, state="ticket" if as_ticket else "queued",
            created_at=now, deadline_at=now + target, **fields,
        )
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(self.key(handoff.ticket), mapping={k: json.dumps(v) for k, v in handoff.to_dict().items()})
        lines = [json.dumps(line.to_dict()) for line in transcript]
        if lines:
            pipe.rpush(self.log_key(handoff.ticket), *lines)
        pipe.zadd(ALL_KEY, {handoff.ticket: now})
        if as_ticket:
            pipe.zadd(TICKETS_KEY, {handoff.ticket: now})
        else:
            pipe.zadd(QUEUE_KEY, {handoff.ticket: queue_score(handoff.priority, now)})
            pipe.set(sender_key(handoff.sender_id), handoff.ticket)
        pipe.publish(EVENTS_CHANNEL, json.dumps({"type": "created", "ticket": handoff.ticket}))
        pipe.execute()
        return handoff

    def get(self, ticket: str) -> Handoff | None:
        """One handoff, or None."""
        raw = self._redis.hgetall(self.key(ticket))
        return _parse(raw) if raw else None

    def open_for(self, sender_id: str) -> Handoff | None:
        """The sender's queued or assigned handoff, if any."""
        ticket = self._redis.get(sender_key(sender_id))
        handoff = self.get(ticket.decode()) if ticket else None
        return handoff if handoff and handoff.state in OPEN_STATES else None

    def waiting(self) -> list[Handoff]:
        """The queue in the order agents should take it."""
        return self._read([t.decode() for t in self._redis.zrange(QUEUE_KEY, 0, -1)])

    def created_since(self, when: float) -> list[Handoff]:
        """Every handoff created since `when`, oldest first (one round trip)."""
        return self._read([t.decode() for t in self._redis.zrangebyscore(ALL_KEY, when, "+inf")])

    def recent(self, limit: int = 200) -> list[Handoff]:
        """The newest handoffs in any state, newest first."""
        return self._read([t.decode() for t in self._redis.zrevrange(ALL_KEY, 0, limit - 1)])

    def _read(self, tickets: list[str]) -> list[Handoff]:
        """These handoffs, in this order (one round trip); expired ones leave the index of all."""
        if not tickets:
            return []
        pipe = self._redis.pipeline(transaction=False)
        for ticket in tickets:
            pipe.hgetall(self.key(ticket))
        raws = pipe.execute()
        expired = [ticket for ticket, raw in zip(tickets, raws, strict=True) if not raw]
        if expired:
            self._redis.zrem(ALL_KEY, *expired)
        return [_parse(raw) for raw in raws if raw]

    def offline_tickets(self) -> list[Handoff]:
        """Tickets taken while no agent was online, oldest first."""
        return self._read([t.decode() for t in self._redis.zrange(TICKETS_KEY, 0, -1)])

    def position(self, ticket: str) -> int | None:
        """1 for the next in line; None when not waiting."""
        rank = self._redis.zrank(QUEUE_KEY, ticket)
        return None if rank is None else rank + 1

    def claim(self, ticket: str, agent: str) -> bool:
        """Assign a waiting handoff to `agent`; False if someone else got it first."""
        args = [ticket, json.dumps(agent), json.dumps(time.time())]
        won = bool(self._claim(keys=[QUEUE_KEY, self.key(ticket)], args=args))
        if won:
            self._redis.zrem(TICKETS_KEY, ticket)
            self._publish(ticket, "claimed")
        return won

    def requeue(self, ticket: str, audience: str) -> None:
        """Put a handoff back in the queue for `audience` ("agents" or "supervisors")."""
        handoff = self.get(ticket)
        if handoff is None:
            return
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(self.key(ticket), mapping={"state": '"queued"', "agent": '""', "audience": json.dumps(audience)})
        pipe.zadd(QUEUE_KEY, {ticket: queue_score(handoff.priority, handoff.created_at)})
        pipe.set(sender_key(handoff.sender_id), ticket)
        pipe.execute()
        self._publish(ticket, "requeued")

    def assign(self, ticket: str, agent: str) -> None:
        """Hand an assigned conversation to another agent directly."""
        self.update(ticket, agent=agent, state="assigned")
        self._redis.zrem(QUEUE_KEY, ticket)
        self._publish(ticket, "transferred")

    def close(self, ticket: str, state: State) -> None:
        """End a handoff as "resolved" or "returned" (given back to the bot).

        A closed handoff and its transcript are kept CLOSED_RETENTION_SECONDS, then Redis drops
        them, so the store stays bounded; the index of all tickets forgets them when next read.
        """
        handoff = self.get(ticket)
        self.update(ticket, state=state)
        pipe = self._redis.pipeline(transaction=True)
        pipe.zrem(QUEUE_KEY, ticket)
        pipe.zrem(TICKETS_KEY, ticket)
        if handoff:
            pipe.delete(sender_key(handoff.sender_id))
        pipe.expire(self.key(ticket), CLOSED_RETENTION_SECONDS)
        pipe.expire(self.log_key(ticket), CLOSED_RETENTION_SECONDS)
        pipe.execute()
        self._publish(ticket, state)

    def update(self, ticket: str, **fields: Any) -> None:
        """Set some fields of a handoff."""
        self._redis.hset(self.key(ticket), mapping={k: _stored(v) for k, v in fields.items()})

    def append(self, ticket: str, line: Line) -> None:
        """Add a transcript line and push it to whoever watches the conversation."""
        data = json.dumps(line.to_dict())
        pipe = self._redis.pipeline(transaction=False)
        pipe.rpush(self.log_key(ticket), data)
        pipe.publish(conversation_channel(ticket), data)
        pipe.execute()

    def transcript(self, ticket: str) -> list[Line]:
        """Every line of the handoff's transcript, oldest first."""
        return [Line(**json.loads(raw)) for raw in self._redis.lrange(self.log_key(ticket), 0, -1)]

    def _publish(self, ticket: str, kind: str) -> None:
        self._redis.publish(EVENTS_CHANNEL, json.dumps({"type": kind, "ticket": ticket}))
