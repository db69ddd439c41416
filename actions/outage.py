"""What the bot does for a customer while Redis (queue, knowledge base, history) is unreachable.

The customer is told plainly, and nothing they type is lost: Rasa holds the conversation
(rasa_ext.outage_stores), and what is meant for people goes into the local journal
(handoff.journal). A customer who wants a person, or is too upset or threatening legal action
to wait, gets a ticket reference at once and is asked for their contact details, as when no
agent is online. Messages for an agent and ratings given during the outage are journalled too.

`JournalReplayer` replays the journal into the handoff queue once Redis answers again; the
tickets then wait in the desk like any other, with the summary built from the whole
conversation (the turns Redis had before the outage and those journalled during it).

Before each replay, what Rasa kept in Redis while this server was down
(rasa_ext.action_outage) is taken over into the journal, with these keys:

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

A record can thus be journalled twice (a crash or stall between journalling and LREM). Its
journal record keeps the id Rasa gave it, and the journal's replay skips an id it has applied,
so it still makes one ticket and one message.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from dataclasses import asdict
from typing import Any, Iterator

import redis
from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from redis.exceptions import LockError, RedisError

from actions import replies
from actions.customer import customer_from
from actions.handoff_context import build_context, is_flagged, transcript
from actions.input_check import written
from actions.runtime import knowledge_base, outage_journal, redis_client
from detection import Reason, Turn, assess
from customers.contacts import ContactHistory, identities
from reports.ratings import FeedbackLog
from handoff.journal import Op, Pending, new_reference
from handoff.queue import HandoffQueue
from handoff.records import Line
from handoff.turns import CHIT_CHAT, KB_OUTCOMES, TurnLog, TurnRecord
from kb.service import KnowledgeBase

logger = logging.getLogger(__name__)

OUTAGE_DETAIL = "taken while our systems were down"
PRESSED_REASON = Reason("human_request", "asks for a person", "(pressed \"Leave a message for our team\")")
ASKED_REASON = Reason("human_request", "asks for a person", "(asked while our action server was down)")
# Records Rasa keeps while the action server is down (rasa_ext.action_outage.ACTIONS_DOWN_KEY: the same key).
ACTIONS_DOWN_KEY = "handoff:actions_down"
TAKING_KEY = f"{ACTIONS_DOWN_KEY}:taking"
UNREADABLE_KEY = f"{ACTIONS_DOWN_KEY}:unreadable"
TAKE_OVER_LOCK_KEY = f"{ACTIONS_DOWN_KEY}:lock"
# Journalling one record takes milliseconds; the lock is renewed before each.
TAKE_OVER_LOCK_SECONDS = 30.0
# Replayed record ids are remembered this long (far longer than any outage).
REPLAYED_SECONDS = 30 * 24 * 3600
REPLAY_EVERY_SECONDS = 5.0


async def outage_turn(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """A customer message while Redis is down: a ticket when they want a person, else say so.

    A customer already waiting in the queue keeps their place: the message joins their handoff.
    """
    text = written(tracker.latest_message)
    intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
    waiting_on = tracker.get_slot("handoff_ticket") if tracker.get_slot("handoff_state") == "queued" else None
    if waiting_on:
        if not text.startswith("/"):
            await keep_for_later("line", waiting_on, line=Line("customer", text).to_dict())
        for message in replies.outage_while_queued(waiting_on):
            dispatcher.utter_message(**message)
        return []
    # Only this message can be judged: the conversation's turns are in Redis.
    assessment = assess([Turn(text, intent)])
    if assessment.hand_off or text.startswith("/request_human"):
        reasons = list(assessment.reasons) or [PRESSED_REASON]
        return await take_outage_ticket(dispatcher, tracker, reasons, assessment.level)
    for message in replies.kb_unavailable():
        dispatcher.utter_message(**message)
    return []


async def take_outage_ticket(
    dispatcher: CollectingDispatcher, tracker: Tracker, reasons: list[Reason], level: str,
) -> list[EventType]:
    """Open a ticket in the local journal, give the customer its reference and ask how to reach them."""
    customer = customer_from(tracker, tracker.latest_message.get("text") or "")
    ticket = new_reference()
    opened = await keep_for_later("open", ticket, **_ticket_data(tracker, customer, reasons, level))
    if not opened:
        dispatcher.utter_message(text=replies.OUTAGE_NO_TICKET)
        return []
    why = "our system is having trouble, so I can't pass you to our team right now"
    for message in replies.ticket_taken(ticket, why):
        dispatcher.utter_message(**message)
    return [
        SlotSet("customer", customer), SlotSet("handoff_ticket", ticket),
        SlotSet("handoff_state", "collecting_contact"),
    ]


def _ticket_data(tracker: Tracker, customer: dict[str, Any], reasons: list[Reason], level: str) -> dict[str, Any]:
    """A journal "open" record's data: who, why, and the whole conversation Rasa holds."""
    text = written(tracker.latest_message)
    outage = Reason("outage", OUTAGE_DETAIL, "" if text.startswith("/") else text)
    return dict(
        sender_id=tracker.sender_id, channel=tracker.get_latest_input_channel() or "",
        customer=customer, level=level, reasons=[asdict(r) for r in [*reasons, outage]],
        turns=[asdict(t) for t in _outage_turns(tracker.events)],
        lines=[line.to_dict() for line in transcript(tracker.events)],
    )


def _outage_turns(events: list[dict[str, Any]]) -> list[TurnRecord]:
    """The customer's messages Rasa holds, as turns the bot could not answer (the last hands off)."""
    said = [e for e in events if e.get("event") == "user" and e.get("text")]
    turns = []
    for index, event in enumerate(said):
        intent = (event.get("parse_data") or {}).get("intent", {}).get("name") or ""
        if index == len(said) - 1:
            outcome = "handoff"
        else:
            outcome = "" if intent in CHIT_CHAT or event["text"].startswith("/") else "dont_know"
        turns.append(TurnRecord(written(event), intent, outcome, at=event.get("timestamp") or 0.0))
    return turns


async def keep_for_later(op: Op, ticket: str, **data: Any) -> bool:
    """Write a journal record off the event loop; False (logged) if even the disk fails."""
    try:
        await asyncio.to_thread(outage_journal().write, op, ticket, **data)
        return True
    except OSError:
        logger.exception("Could not write to the outage journal (%s %s)", op, ticket)
        return False


def apply_record(client: redis.Redis, kb: KnowledgeBase, record: dict[str, Any]) -> None:
    """Replay one journal record into Redis (skipped if it was replayed before).

    Raises Pending when the record's ticket is not in Redis yet, or the record cannot be
    applied for another reason than Redis itself (logged, kept for a person to look at).
    """
    marker = f"handoff:journal:{record['id']}"
    if client.exists(marker):
        return
    queue = HandoffQueue(client)
    try:
        if record["op"] == "open":
            if queue.get(record["ticket"]) is None:
                _open(client, kb, queue, record)
        elif record["op"] == "rating":  # for the feedback report; needs no ticket
            FeedbackLog(client).record(**record["rating"])
        else:
            _extend(queue, record)
    except (Pending, RedisError):
        raise
    except Exception as error:
        logger.exception("Journal record %s could not be replayed; kept in the journal", record.get("id"))
        raise Pending from error
    client.set(marker, 1, ex=REPLAYED_SECONDS)


def _open(client: redis.Redis, kb: KnowledgeBase, queue: HandoffQueue, record: dict[str, Any]) -> None:
    sender, customer, ticket = record["sender_id"], record["customer"], record["ticket"]
    logged = TurnLog(client).all(sender)
    # Rasa may have had the conversation's start before the outage: those turns are in the log already.
    since = logged[-1].at if logged else 0.0
    turns = logged + [t for t in (TurnRecord(**d) for d in record["turns"]) if t.at > since]
    reasons = [Reason(**r) for r in record["reasons"]]
    built = build_context(client, kb, sender, customer, turns, reasons, record["level"])
    queue.create(
        [Line(**line) for line in record["lines"]], as_ticket=True, ticket=ticket, created_at=record["at"],
        sender_id=sender, channel=record["channel"], customer=customer, priority=built.priority,
        reasons=built.reasons, summary=built.summary, audience=built.audience,
        flagged=is_flagged(client, customer, sender), repeat_contacts=built.repeat_contacts,
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


def _journal_kept(entry: dict[str, Any]) -> None:
    """Journal one record Rasa kept while this server was down (rasa_ext.action_outage).

    The journal record takes the id Rasa gave the record (OutageJournal.write lets the data's
    fields override its own), so a record journalled twice is replayed once.
    """
    kept = {"id": entry["id"]}
    if entry["op"] == "open":
        tracker = Tracker.from_dict(entry["tracker"])
        text = written(tracker.latest_message)
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        assessment = assess([Turn(text, intent)])  # as outage_turn judges: only this message is at hand
        reasons = list(assessment.reasons) or [ASKED_REASON]
        customer = customer_from(tracker, text)
        data = _ticket_data(tracker, customer, reasons, assessment.level)
        outage_journal().write("open", entry["ticket"], **kept, **data)
    elif entry["op"] == "contact":
        outage_journal().write("contact", entry["ticket"], **kept, text=written(entry["message"]))
    else:
        line = Line("customer", written(entry["message"]), at=entry["at"])
        outage_journal().write("line", entry["ticket"], **kept, line=line.to_dict())


def take_over_actions_down(client: redis.Redis) -> int:
    """Move what Rasa kept in Redis while this server was down into the journal, oldest first.

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
            taken += _take(client, raw)
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


def _take(client: redis.Redis, raw: bytes) -> int:
    """Journal one record now in `:taking` and drop it from there; an unreadable one is moved aside."""
    try:
        _journal_kept(json.loads(raw))
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


def replay_journal() -> int:
    """Take over what Rasa kept, then replay the journal into Redis; 0 while Redis is down.

    Each step has its own try: a take-over that fails must not hold back the tickets the
    journal already holds.
    """
    try:
        take_over_actions_down(redis_client())
    except (RedisError, OSError) as error:
        logger.info("Records Rasa kept wait for the next round: %s", error)
    except Exception:  # noqa: BLE001 - logged; the replay below must still run
        logger.exception("Taking over the records Rasa kept failed; replaying the journal all the same")
    try:
        applied = outage_journal().replay(lambda record: apply_record(redis_client(), knowledge_base(), record))
    except RedisError as error:
        logger.info("Outage journal waits for Redis: %s", error)
        return 0
    if applied:
        logger.info("Replayed %d outage journal record(s) into Redis", applied)
    return applied


class JournalReplayer(threading.Thread):
    """Replays the outage journal every few seconds (a daemon: it dies with the server).

    A thread, not a task on rasa-sdk's event loop: replay encodes (the summary's suggested
    entries) and talks to Redis, which must not block the loop that serves actions.
    """

    def __init__(self, every_seconds: float = REPLAY_EVERY_SECONDS) -> None:
        super().__init__(name="outage-journal-replay", daemon=True)
        self._every = every_seconds

    def run(self) -> None:
        while True:
            time.sleep(self._every)
            try:
                replay_journal()
            except Exception:  # noqa: BLE001 - the loop must outlive one bad round
                logger.exception("Outage journal replay failed; will retry")
