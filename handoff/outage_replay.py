"""Bringing into Redis what was kept elsewhere while it or the action server was down.

`replay_journal` replays the local outage journal (handoff.journal) into the handoff queue once
Redis answers again; the tickets then wait in the desk like any other, with the summary built from
the whole conversation (the turns Redis had before the outage and those journalled during it).

Before each replay, what Rasa kept in Redis while the action server was down
(rasa_ext.action_outage) is taken over into the journal, with these keys (this module owns them):

* `handoff:actions_down`: the records Rasa pushed, oldest first.
* `handoff:actions_down:lock`: held (SET NX PX, redis-py's Lock, 30 s, renewed before each
  record, released at the end) by the one replica taking over, so replicas do not race; a
  replica that finds it held skips the round.
* `handoff:actions_down:taking`: each record is LMOVEd atomically here, journalled (fsync'd),
  then LREMed. A record is thus always in one of the lists or the journal, never lost. The
  lock holder first re-journals what a taker that died (or stalled past its lock) left here.
* `handoff:actions_down:unreadable`: a record that cannot be journalled (bad JSON, a field of
  the wrong kind, any error of the record's own) is moved here, logged, for a person to look
  at, and the rest go on. Redis or the disk failing is not the record's fault: it stays in
  `:taking` for the next round.
* `handoff:journal:<record id>`: a journal record already replayed (kept REPLAYED_SECONDS).

A record can thus be journalled twice (a crash or stall between journalling and LREM). Its
journal record keeps the id Rasa gave it, and the journal's replay skips an id it has applied,
so it still makes one ticket and one message.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import redis
from redis.exceptions import LockError, RedisError

from customers.contacts import ContactHistory, identities
from customers.profile import customer_after
from detection import Reason
from handoff.context import build_context
from handoff.journal import ACTIONS_DOWN_KEY, OutageJournal, Pending
from handoff.outage_tickets import ASKED_REASON, HeldConversation, judge_alone, latest_input_channel, ticket_data
from handoff.queue import HandoffQueue
from handoff.records import Line
from handoff.turns import KB_OUTCOMES, TurnLog, TurnRecord
from kb.service import KnowledgeBase
from protocol.metadata import written

logger = logging.getLogger(__name__)

# Records Rasa keeps while the action server is down: ACTIONS_DOWN_KEY (handoff.journal, which Rasa imports too).
TAKING_KEY = f"{ACTIONS_DOWN_KEY}:taking"
UNREADABLE_KEY = f"{ACTIONS_DOWN_KEY}:unreadable"
TAKE_OVER_LOCK_KEY = f"{ACTIONS_DOWN_KEY}:lock"
# Journalling one record takes milliseconds; the lock is renewed before each.
TAKE_OVER_LOCK_SECONDS = 30.0
# Replayed record ids are remembered this long (far longer than any outage).
REPLAYED_SECONDS = 30 * 24 * 3600
REPLAY_EVERY_SECONDS = 5.0


def replayed_key(record_id: str) -> str:
    """The marker of a journal record already applied."""
    return f"handoff:journal:{record_id}"


def apply_record(
    client: redis.Redis, kb: KnowledgeBase, record: dict[str, Any], repeat_window_days: float,
    keep_rating: Callable[[dict[str, Any]], None],
) -> None:
    """Replay one journal record into Redis (skipped if it was replayed before).

    `repeat_window_days` is for a ticket's summary; `keep_rating` takes a rating given during
    the outage (reports.ratings keeps them, a layer above this one). Raises Pending when the
    record's ticket is not in Redis yet, or the record cannot be applied for another reason
    than Redis itself (logged, kept for a person to look at).
    """
    marker = replayed_key(record["id"])
    if client.exists(marker):
        return
    queue = HandoffQueue(client)
    try:
        if record["op"] == "open":
            if queue.get(record["ticket"]) is None:
                _open(client, kb, queue, record, repeat_window_days)
        elif record["op"] == "rating":  # for the feedback report; needs no ticket
            keep_rating(record["rating"])
        else:
            _extend(queue, record)
    except (Pending, RedisError):
        raise
    except Exception as error:
        logger.exception("Journal record %s could not be replayed; kept in the journal", record.get("id"))
        raise Pending from error
    client.set(marker, 1, ex=REPLAYED_SECONDS)


def _open(
    client: redis.Redis, kb: KnowledgeBase, queue: HandoffQueue, record: dict[str, Any], window_days: float,
) -> None:
    sender, customer, ticket = record["sender_id"], record["customer"], record["ticket"]
    logged = TurnLog(client).all(sender)
    # Rasa may have had the conversation's start before the outage: those turns are in the log already.
    since = logged[-1].at if logged else 0.0
    turns = logged + [t for t in (TurnRecord(**d) for d in record["turns"]) if t.at > since]
    reasons = [Reason(**r) for r in record["reasons"]]
    built = build_context(client, kb, sender, customer, turns, reasons, record["level"], window_days)
    queue.create(
        [Line(**line) for line in record["lines"]], as_ticket=True, ticket=ticket, created_at=record["at"],
        sender_id=sender, channel=record["channel"], customer=customer, priority=built.priority,
        reasons=built.reasons, summary=built.summary, audience=built.audience,
        flagged=built.flagged, repeat_contacts=built.repeat_contacts,
    )
    history = ContactHistory(client)
    topic = next((t.text for t in turns if t.outcome in KB_OUTCOMES), "")
    history.touch(sender, identities(customer), topic=topic)
    history.set_outcome(sender, "handed_off", ticket)


def _extend(queue: HandoffQueue, record: dict[str, Any]) -> None:
    ticket = record["ticket"]
    handoff = queue.get(ticket)
    if handoff is None:
        raise Pending(ticket)
    if record["op"] == "line":
        queue.append(ticket, Line(**record["line"]))
    elif record["op"] == "contact":
        details = f"{handoff.contact_details}\n{record['text']}".strip()
        queue.update(ticket, contact_details=details[:2000])
        queue.append(ticket, Line("customer", record["text"], at=record["at"]))
    elif record["op"] == "update":
        queue.update(ticket, **record["fields"])


def held_conversation(tracker: dict[str, Any], identity_secret: str) -> HeldConversation:
    """The conversation of a tracker as Rasa dumps it (`current_state`), with its customer."""
    latest = tracker.get("latest_message") or {}
    events = tracker.get("events") or []
    slot = (tracker.get("slots") or {}).get("customer")
    customer = customer_after(slot, latest.get("metadata"), written(latest), identity_secret)
    return HeldConversation(tracker["sender_id"], latest_input_channel(events), customer, latest, events)


def journal_kept(journal: OutageJournal, identity_secret: str, entry: dict[str, Any]) -> None:
    """Journal one record Rasa kept while the action server was down (rasa_ext.action_outage).

    The journal record takes the id Rasa gave the record (OutageJournal.write lets the data's
    fields override its own), so a record journalled twice is replayed once.
    """
    kept = {"id": entry["id"]}
    if entry["op"] == "open":
        conversation = held_conversation(entry["tracker"], identity_secret)
        assessment = judge_alone(conversation)  # as a Redis outage's turn judges: only this message is at hand
        reasons = list(assessment.reasons) or [ASKED_REASON]
        journal.write("open", entry["ticket"], **kept, **ticket_data(conversation, reasons, assessment.level))
    elif entry["op"] == "contact":
        journal.write("contact", entry["ticket"], **kept, text=written(entry["message"]))
    else:
        line = Line("customer", written(entry["message"]), at=entry["at"])
        journal.write("line", entry["ticket"], **kept, line=line.to_dict())


def take_over_actions_down(client: redis.Redis, journal: OutageJournal, identity_secret: str) -> int:
    """Move what Rasa kept in Redis while the action server was down into the journal, oldest first.

    Returns how many records were journalled; 0 when another replica holds the take-over lock.
    The journal's replay then opens the tickets and adds the messages, as after a Redis outage.
    Raises RedisError (Redis down) or OSError (the journal's disk): what was being taken stays
    in `handoff:actions_down:taking` for the next round.
    """
    lock = client.lock(TAKE_OVER_LOCK_KEY, timeout=TAKE_OVER_LOCK_SECONDS, blocking=False)
    if not lock.acquire():
        return 0
    taken = 0
    try:
        for raw in _records_to_take(client):
            taken += _take(client, raw, lambda entry: journal_kept(journal, identity_secret, entry))
            lock.reacquire()  # before the next LMOVE: a taker whose lock lapsed stops here
    except LockError as error:
        logger.warning("Lost the lock on %s, stopping this take-over: %s", ACTIONS_DOWN_KEY, error)
    finally:
        try:
            lock.release()
        except RedisError:  # lapsed, or Redis gone: it expires by itself
            pass
    return taken


def _records_to_take(client: redis.Redis) -> Iterator[bytes]:
    """What a dead taker left in `:taking`, then each record moved there from the list, one by one."""
    yield from client.lrange(TAKING_KEY, 0, -1)
    while (raw := client.lmove(ACTIONS_DOWN_KEY, TAKING_KEY, "LEFT", "RIGHT")) is not None:
        yield raw


def _take(client: redis.Redis, raw: bytes, journal: Callable[[dict[str, Any]], None]) -> int:
    """Journal one record now in `:taking` and drop it from there; an unreadable one is moved aside."""
    try:
        journal(json.loads(raw))
    except (RedisError, OSError):
        raise  # not the record's fault: it stays in `:taking`
    except Exception as error:  # noqa: BLE001 - any fault of the record's own must not block the rest
        logger.error(
            "Record in %s could not be journalled, moved to %s: %s: %.200s",
            TAKING_KEY, UNREADABLE_KEY, type(error).__name__, error,
        )
        # One transaction: the record is in one list or the other, never in neither.
        client.pipeline(transaction=True).lrem(TAKING_KEY, 1, raw).rpush(UNREADABLE_KEY, raw).execute()
        return 0
    client.lrem(TAKING_KEY, 1, raw)
    return 1


def replay_journal(
    client: redis.Redis, journal: OutageJournal, identity_secret: str, apply: Callable[[dict[str, Any]], None],
) -> int:
    """Take over what Rasa kept, then replay the journal into Redis through `apply` (an
    apply_record); 0 while Redis is down.

    Each step has its own try: a take-over that fails must not hold back the tickets the
    journal already holds.
    """
    try:
        take_over_actions_down(client, journal, identity_secret)
    except (RedisError, OSError) as error:
        logger.info("Records Rasa kept wait for the next round: %s", error)
    except Exception:
        logger.exception("Taking over the records Rasa kept failed; replaying the journal all the same")
    try:
        applied = journal.replay(apply)
    except RedisError as error:
        logger.info("Outage journal waits for Redis: %s", error)
        return 0
    if applied:
        logger.info("Replayed %d outage journal record(s) into Redis", applied)
    return applied


class JournalReplayer(threading.Thread):
    """Runs `round` (a replay_journal) every few seconds (a daemon: it dies with the server).

    A thread, not a task on rasa-sdk's event loop: replay encodes (the summary's suggested
    entries) and talks to Redis, which must not block the loop that serves actions.
    """

    def __init__(self, round: Callable[[], int], every_seconds: float = REPLAY_EVERY_SECONDS) -> None:
        super().__init__(name="outage-journal-replay", daemon=True)
        self._round = round
        self._every = every_seconds

    def run(self) -> None:
        while True:
            time.sleep(self._every)
            try:
                self._round()
            except Exception:
                logger.exception("Outage journal replay failed; will retry")
