"""Identities: only a customer the website signed is recognised; anyone else learns nothing.

Sam, signed in on the website, asks about a refund (order number, home address, card number)
and leaves a ticket. Then visitors claim to be Sam: with Sam's details unsigned, wrongly
signed, or typed in the chat. None of them is told anything of Sam's contact, none joins Sam's
history, and the agent sees their claims marked as not verified. Sam, signed again, is
greeted as a returning customer, with the topic masked; once signed out, whoever goes on in that
browser's conversation is told nothing of Sam's.
"""

from __future__ import annotations

import re
import time
import uuid

import pytest
import redis
import requests

from customers.contacts import ContactHistory, verified_identities
from customers.identity import identity_secret, sign, verify
from handoff.presence import AGENTS_KEY
from handoff.queue import HandoffQueue
from tests.e2e.browser_fixtures import Widget
from tests.e2e.running import RunningStack
from bench.clients import Customer
from tests.support import signed_customer, texts

QUESTION = "Where is my refund for card 4111 1111 1111 1234, order MM-55501? I sent the lamp back from 12 Elm Road"
# Nothing of Sam's contact may reach a visitor who only claims to be Sam.
SAMS_SECRETS = ("MM-55501", "Elm", "lamp", "refund", "4111", "1234", "Welcome back", "earlier contact")


@pytest.fixture
def client(running_stack: RunningStack) -> redis.Redis:
    """The stack's Redis with nobody online: a request for a person becomes a ticket at once."""
    client = running_stack.redis()
    client.delete(AGENTS_KEY)
    return client


@pytest.fixture
def sam(running_stack: RunningStack, client: redis.Redis) -> dict:
    """Sam's details and the conversation Sam had, signed in: a question, then a ticket."""
    details = {"id": f"c-{uuid.uuid4().hex[:8]}", "name": "Sam", "email": f"sam-{uuid.uuid4().hex[:6]}@example.com"}
    first = Customer(running_stack.rasa_url, signed_customer(running_stack.settings, **details))
    first.say(QUESTION)
    first.say("I need to talk to a person")
    [ticket] = [h.ticket for h in HandoffQueue(client).offline_tickets() if h.sender_id == first.sender]
    return {**details, "sender": first.sender, "ticket": ticket}


def visit(running_stack: RunningStack, metadata: dict, *before: str) -> tuple[Customer, str]:
    """A visitor's chat: `before`, a greeting, "my ticket", then a person; everything the bot said."""
    visitor = Customer(running_stack.rasa_url, metadata)
    said = [visitor.say(text) for text in (*before, "hello", "what's the status of my ticket?", "I need to talk to a person")]
    return visitor, "\n".join(texts(replies) for replies in said)


def index(client: redis.Redis, key: str) -> list[str]:
    return [s.decode() for s in client.zrange(f"contacts:by:{key}", 0, -1)]


def test_a_forged_identity_learns_nothing_and_joins_no_history_and_a_signed_one_is_recognised(
    running_stack: RunningStack, client: redis.Redis, sam: dict,
):
    details = {k: sam[k] for k in ("id", "name", "email")}
    secret = identity_secret(running_stack.settings)
    forgeries = {
        "unsigned": {"customer": details},
        "wrongly signed": {"customer": {**details, "signature": sign("not-the-secret", sam["id"], sam["email"])}},
        "signed for another": {"customer": {**details, "signature": sign(secret, sam["id"], "kim@example.com")}},
    }
    queue, history = HandoffQueue(client), ContactHistory(client)
    visitors = []
    for metadata in forgeries.values():
        visitors.append(visit(running_stack, {**metadata, "browser_id": uuid.uuid4().hex}))
    visitors.append(visit(running_stack, {}, f"my e-mail is {sam['email']} and my order is MM-55501"))
    for (visitor, said), how in zip(visitors, [*forgeries, "typed in the chat"]):
        [handoff] = [h for h in queue.offline_tickets() if h.sender_id == visitor.sender]
        # Tickets named: the visitor's own, and the example in "Which ticket? ... like T000123".
        told = set(re.findall(r"T\d{6}", said)) - {handoff.ticket, "T000123"}
        leaked = [word for word in SAMS_SECRETS if word in said] + sorted(told)
        assert not leaked, f"{how}: {leaked} in {said!r}"
        assert "Which ticket?" in said, how
        # The agent sees the claim as such, with Sam's conversation as a possible, unverified match.
        assert handoff.repeat_contacts == 0 and not handoff.flagged, how
        assert handoff.summary.who.verified is False and handoff.summary.who.earlier_contacts == 0, how
        assert handoff.summary.who.possible_contacts >= 1, how

    # Sam's history is Sam's alone: no visitor is indexed under Sam's id or e-mail.
    assert index(client, f"id:{sam['id']}") == [sam["sender"]]
    assert index(client, f"email:{sam['email']}") == [sam["sender"]]
    assert len(index(client, f"unverified:email:{sam['email']}")) == len(visitors)

    again = Customer(running_stack.rasa_url, signed_customer(running_stack.settings, **details))
    greeting = texts(again.say("hello"))
    assert "Welcome back, Sam" in greeting and "once" in greeting
    assert "MM-55501" in greeting and "[card ending 1234]" in greeting and "4111" not in greeting  # masked
    assert f"Ticket {sam['ticket']}" in texts(again.say("what's the status of my ticket?"))
    since = time.time() - 3600
    customer = {**details, "verified": True}
    assert [c.sender_id for c in history.earlier(verified_identities(customer), since, exclude=again.sender)] == [sam["sender"]]


def test_after_signing_out_the_next_person_at_that_browser_learns_nothing(running_stack: RunningStack, sam: dict):
    """The widget keeps the conversation after the website signs Sam out (a shared computer): the
    guest who goes on in it, with `customer: {}` or no metadata at all, is nobody's verified identity."""
    browser = uuid.uuid4().hex
    chat = Customer(running_stack.rasa_url, {**signed_customer(running_stack.settings, **{k: sam[k] for k in ("id", "name", "email")}),
                                              "browser_id": browser})
    assert "MM-55501" in texts(chat.say("hello"))  # signed in: Sam's earlier topic, masked
    for guest in ({"customer": {}, "browser_id": browser}, {}):
        chat.metadata = guest
        said = texts(chat.say("hello")) + "\n" + texts(chat.say("what's the status of my ticket?"))
        leaked = [word for word in (*SAMS_SECRETS, "Sam", sam["ticket"]) if word in said]
        assert not leaked and "Which ticket?" in said, (guest, leaked, said)


def test_the_same_browser_is_welcomed_back_without_being_told_the_topic(running_stack: RunningStack, client: redis.Redis):
    browser = {"browser_id": uuid.uuid4().hex}
    Customer(running_stack.rasa_url, browser).say(QUESTION)
    greeting = texts(Customer(running_stack.rasa_url, browser).say("hello"))
    assert "Welcome back" in greeting and "once" in greeting
    assert not [word for word in ("MM-55501", "Elm", "lamp", "refund") if word in greeting]


def test_the_demo_page_signs_its_sample_customer_on_the_server_and_the_widget_passes_it_on(
    running_stack: RunningStack, client: redis.Redis, open_page,
):
    secret = identity_secret(running_stack.settings)
    guest = requests.get(f"{running_stack.desk_url}/demo", timeout=30).text
    assert "customer: {}" in guest and "Sign in" in guest
    page = requests.get(f"{running_stack.desk_url}/demo?customer=sam", timeout=30).text
    assert secret not in page and "Signed in as Sam Green" in page
    customer = dict(re.findall(r'"(id|email|signature)": "([^"]+)"', page))
    assert verify(secret, customer["id"], customer["email"], customer["signature"])
    # Through the widget and socket.io, the action server takes Sam as verified: the chat joins Sam's history.
    widget = Widget(open_page(f"{running_stack.desk_url}/demo?customer=sam"))
    widget.open()
    widget.expect_text("Sam Green")  # "Hi Sam Green!", or "Welcome back, Sam Green" after another test
    assert widget.session_id() in index(client, f"id:{customer['id']}")
