"""Erasing a customer's chat data on request (the right to erasure), from the command line.

    python -m privacy.erasure --email sam@example.com [--customer-id C1] [--order MM-1] [--dry-run]

Finds every conversation the contact history links to those identities (any of them, whether
the website signed them or they were only given in a chat or claimed), then
deletes what this product keeps about each: the Rasa tracker, the contact record and its index
entries, the turn log, handoffs with their transcripts, ratings, unanswered-question entries and
the abuse flag (the answers the customer read, with their entry versions, are in the turn log and
the transcripts). Aggregate counts (how many summaries were "enough", the outcomes per entry in
kb.outcomes) are not personal and stay.
A conversation still with an agent or waiting for one is not erased: the agent closes it first.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field

import redis

from customers.contacts import STARTED_KEY, ContactHistory, every_form, identity_key
from customers.facts import hashed_conversation
from customers.flags import flag_key
from handoff.queue import ALL_KEY, OPEN_STATES, QUEUE_KEY, TICKETS_KEY, HandoffQueue, sender_key
from handoff.turns import TurnLog
from kb.gaps import GAPS_KEY, per_conversation_key
from notices.board import told_key
from reports.ratings import FEEDBACK_KEY, rated_key

# The one key named here: Rasa owns the tracker (endpoints.yml key_prefix "tracker" + Rasa's own "tracker:").
# Every other key comes from the module that owns the data.
TRACKER_PREFIX = "tracker:tracker:"


@dataclass
class Erasure:
    """What was found for the identities, and (unless a dry run) erased."""

    conversations: list[str] = field(default_factory=list)
    tickets: list[str] = field(default_factory=list)
    still_open: list[str] = field(default_factory=list)  # tickets an agent has or will take
    keys: int = 0
    ratings: int = 0
    gaps: int = 0


def _stream_ids(client: redis.Redis, key: str, wanted: dict[str, set[str]]) -> list[bytes]:
    """Ids of the stream's entries whose field matches one of the wanted values.

    Compared as bytes: other fields may be binary (a gap's vector is not text).
    """
    encoded = {name.encode(): {v.encode() for v in values} for name, values in wanted.items()}
    return [stream_id for stream_id, fields in client.xrange(key)
            if any(fields.get(name) in values for name, values in encoded.items())]


def erase_customer(client: redis.Redis, identity_keys: Iterable[str], dry_run: bool = False) -> Erasure:
    """Erase (or with `dry_run`, only find) the chat data of the customer with these identities
    (each looked up both as verified and as unverified)."""
    identity_keys = every_form(identity_keys)
    history, queue = ContactHistory(client), HandoffQueue(client)
    senders = sorted({s.decode() for key in identity_keys for s in client.zrange(history.index_key(key), 0, -1)})
    contacts = [c for c in map(history.get, senders) if c]
    # A conversation's ticket is in its contact record; an open one also under its sender.
    tickets = {c.ticket for c in contacts if c.ticket} | {h.ticket for h in map(queue.open_for, senders) if h}
    handoffs = [h for h in map(queue.get, tickets) if h]
    result = Erasure(senders, sorted(h.ticket for h in handoffs),
                     sorted(h.ticket for h in handoffs if h.state in OPEN_STATES))
    if result.still_open or dry_run:
        return result
    hashes = {hashed_conversation(s) for s in senders}
    rating_ids = _stream_ids(client, FEEDBACK_KEY, {"chat": hashes | {hashed_conversation(t) for t in result.tickets},
                                                     "ticket": set(result.tickets)})
    gap_ids = _stream_ids(client, GAPS_KEY, {"conversation": hashes})
    keys = [flag_key(key) for key in identity_keys] + [history.index_key(key) for key in identity_keys]
    for sender in senders:
        keys += [f"{TRACKER_PREFIX}{sender}", ContactHistory.key(sender), TurnLog.key(sender), sender_key(sender),
                 told_key(sender), rated_key("bot", sender), per_conversation_key(hashed_conversation(sender))]
    for ticket in result.tickets:
        keys += [HandoffQueue.key(ticket), HandoffQueue.log_key(ticket), rated_key("agent", ticket)]
    pipe = client.pipeline(transaction=True)
    pipe.delete(*keys)
    if senders:
        pipe.zrem(STARTED_KEY, *senders)
        for contact in contacts:  # the other identities these conversations were indexed under
            for key in contact.identities:
                pipe.zrem(history.index_key(key), contact.sender_id)
    if result.tickets:
        for index in (ALL_KEY, QUEUE_KEY, TICKETS_KEY):
            pipe.zrem(index, *result.tickets)
    if rating_ids:
        pipe.xdel(FEEDBACK_KEY, *rating_ids)
    if gap_ids:
        pipe.xdel(GAPS_KEY, *gap_ids)
    result.keys = pipe.execute()[0]
    result.ratings, result.gaps = len(rating_ids), len(gap_ids)
    return result


def main(argv: list[str] | None = None) -> int:
    from infra.redis_client import connect
    from infra.settings import load_settings

    parser = argparse.ArgumentParser(prog="python -m privacy.erasure", description=__doc__.split("\n\n")[0])
    parser.add_argument("--email", action="append", default=[], help="an e-mail the customer used (repeatable)")
    parser.add_argument("--customer-id", action="append", default=[], help="the id the website passes to the widget")
    parser.add_argument("--order", action="append", default=[], help="an order number given in a chat")
    parser.add_argument("--browser-id", action="append", default=[], help="the widget's browser id")
    parser.add_argument("--dry-run", action="store_true", help="only say what would be erased")
    args = parser.parse_args(argv)
    given = {"email": args.email, "id": args.customer_id, "order": args.order, "browser": args.browser_id}
    keys = [identity_key(kind, value) for kind, values in given.items() for value in values]
    if not keys:
        parser.error("name the customer: --email, --customer-id, --order or --browser-id")
    result = erase_customer(connect(load_settings().redis), keys, args.dry_run)
    print(f"{len(result.conversations)} conversation(s), ticket(s): {', '.join(result.tickets) or 'none'}")
    if result.still_open:
        print(f"Not erased: {', '.join(result.still_open)} still open. Close them in the desk first.", file=sys.stderr)
        return 1
    if args.dry_run:
        print("Dry run: nothing erased.")
    else:
        print(f"Erased: {result.keys} record(s), {result.ratings} rating(s), {result.gaps} unanswered question(s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
