"""Frustration, requests for a person, repeat contacts and offline tickets, end to end.

Customers talk through Rasa's REST channel; what the desk sees is read from Redis, where the
desk reads it too.
"""

from __future__ import annotations

import re
import subprocess
import time
import uuid

import pytest
from playwright.sync_api import expect

from customers.contacts import ContactHistory
from handoff.journal import OutageJournal
from handoff.presence import AGENTS_KEY, heartbeat
from handoff.queue import HandoffQueue
from handoff.records import PRIORITY_LEGAL, PRIORITY_NORMAL, PRIORITY_RAISED
from handoff.summary_views import for_widget
from infra.settings import REPO_ROOT
from tests.e2e.browser_fixtures import Rasa, screenshot
from tests.e2e.desk_fixtures import log_in
from tests.e2e.running import RunningStack
from bench.clients import Customer
from tests.support import button_titles, shows, signed_customer, texts


@pytest.fixture
def desk_redis(running_stack: RunningStack):
    """The stack's Redis, with an agent online and an empty queue (emptied again afterwards, so
    no handoff of these tests stands in line before a later module's customers)."""
    client = running_stack.redis()

    def empty_queue() -> None:
        for key in client.scan_iter("handoff:*"):
            client.delete(key)

    empty_queue()
    heartbeat(client, "alice")
    yield client
    client.delete(AGENTS_KEY)
    empty_queue()


def test_an_angry_customer_is_handed_off_within_two_turns_with_order_and_quote(running_stack, desk_redis):
    customer = Customer(running_stack.rasa_url)
    customer.say("my order #MM-48213 still hasn't arrived after two weeks")
    second = customer.say("THIS IS RIDICULOUS!!! Your service is useless, where is my order???")
    assert "connecting you with a person" in texts(second)
    handoff = HandoffQueue(desk_redis).open_for(customer.sender)
    assert handoff is not None and handoff.state == "queued"
    assert handoff.ticket in texts(second)
    assert "MM-48213" in handoff.summary.facts["orders"]
    assert any("RIDICULOUS" in reason["quote"] for reason in handoff.reasons)
    assert handoff.priority > PRIORITY_NORMAL
    assert "Here's what I've passed on" in texts(second) and "MM-48213" in texts(second)


def test_asking_for_a_human_hands_off_at_once(running_stack, desk_redis):
    customer = Customer(running_stack.rasa_url)
    replies = customer.say("I want a human")
    handoff = HandoffQueue(desk_redis).open_for(customer.sender)
    assert handoff is not None
    assert [r["kind"] for r in handoff.reasons] == ["human_request"]
    assert f"Your ticket number is {handoff.ticket}" in texts(replies)
    assert "You're number 1 in line" in texts(replies)
    # While waiting, the customer can still ask the KB; the exchange joins the transcript.
    answer = customer.say("How long does a refund take?")
    assert shows(running_stack.store().get("refund-timing").answer, answer)
    lines = [line.text for line in HandoffQueue(desk_redis).transcript(handoff.ticket)]
    assert "I want a human" in lines and "How long does a refund take?" in lines
    # What they add beyond a question for the bot joins the summary the agent reads.
    customer.say("also my order number is MM-77120 and it was a gift")
    summary = HandoffQueue(desk_redis).get(handoff.ticket).summary
    assert "MM-77120" in summary.facts["orders"]
    assert any("it was a gift" in added for added in summary.added)


def test_a_third_contact_in_a_week_is_greeted_as_a_repeat_and_queued_first(running_stack, desk_redis):
    calm = Customer(running_stack.rasa_url)
    calm.say("can I speak to a person please")
    email = f"sam-{uuid.uuid4().hex[:6]}@example.com"
    sam = signed_customer(running_stack.settings, id="c-42", name="Sam", email=email)  # signed in on the website
    for _ in range(2):  # two earlier conversations that did not solve it
        earlier = Customer(running_stack.rasa_url, sam)
        earlier.say("my refund hasn't arrived")
    third = Customer(running_stack.rasa_url, sam)
    greeting = texts(third.say("hello"))
    assert "Welcome back, Sam" in greeting and "twice" in greeting
    assert "talk to a person" in greeting
    third.say("/request_human")
    queue = HandoffQueue(desk_redis)
    waiting = [h.sender_id for h in queue.waiting()]
    assert waiting.index(third.sender) < waiting.index(calm.sender)
    handoff = queue.open_for(third.sender)
    assert handoff.repeat_contacts == 2
    assert len(handoff.summary.earlier) == 2
    history = ContactHistory(desk_redis).get(third.sender)
    assert history.outcome == "handed_off" and history.ticket == handoff.ticket


def test_with_no_agent_online_a_ticket_is_taken_and_kept(running_stack, desk_redis):
    desk_redis.delete(AGENTS_KEY)
    customer = Customer(running_stack.rasa_url)
    replies = customer.say("I need to talk to a person about a broken sofa")
    assert "no one from our team is online" in texts(replies)
    queue = HandoffQueue(desk_redis)
    [ticket] = [h for h in queue.offline_tickets() if h.sender_id == customer.sender]
    assert ticket.ticket in texts(replies)
    assert "couldn't see an e-mail" in texts(customer.say("it's urgent"))
    assert "within 24 hours" in texts(customer.say("sam@example.com or +44 7700 900123"))
    stored = queue.get(ticket.ticket)
    assert "sam@example.com" in stored.contact_details
    # The conversation goes back to the bot afterwards.
    assert shows(running_stack.store().get("refund-timing").answer, customer.say("How long does a refund take?"))
    assert time.time() < stored.deadline_at <= time.time() + 24 * 3600


def test_only_the_customer_of_a_chat_can_rate_it(running_stack, desk_redis):
    desk_redis.delete(AGENTS_KEY)
    owner = Customer(running_stack.rasa_url)
    owner.say("I need to talk to a person about my order")
    owner.say("sam@example.com")
    queue = HandoffQueue(desk_redis)
    [ticket] = [h.ticket for h in queue.offline_tickets() if h.sender_id == owner.sender]
    rate = '/rate{"score": %d, "ticket": "%s"}'
    assert "couldn't find that chat" in texts(Customer(running_stack.rasa_url).say(rate % (1, ticket)))
    assert queue.get(ticket).rating is None
    assert "Thank you for your feedback" in texts(owner.say(rate % (4, ticket)))
    assert queue.get(ticket).rating["score"] == 4


def test_a_customer_looks_up_their_ticket_by_its_number_or_as_my_ticket(running_stack, desk_redis):
    desk_redis.delete(AGENTS_KEY)
    known = signed_customer(running_stack.settings, id=f"c-{uuid.uuid4().hex[:6]}", email=f"kim-{uuid.uuid4().hex[:6]}@example.com")
    first = Customer(running_stack.rasa_url, known)
    first.say("I need to talk to a person about my refund")
    queue = HandoffQueue(desk_redis)
    [ticket] = [h.ticket for h in queue.offline_tickets() if h.sender_id == first.sender]
    first.say(known["customer"]["email"])

    later = Customer(running_stack.rasa_url, known)  # the next day, a new conversation
    told = texts(later.say(f"any news on my ticket {ticket}?"))
    assert f"Ticket {ticket} is with our team, who will get back to you within 24 hours" in told
    assert "refund" not in told  # the state, never the conversation
    assert f"Ticket {ticket} is with our team" in texts(later.say("what's the status of my ticket?"))
    queue.close(ticket, "resolved")
    replies = Customer(running_stack.rasa_url).say(f"status of ticket {ticket.lower()} please")
    assert f"Ticket {ticket} has been dealt with" in texts(replies) and button_titles(replies) == ["Talk to a person"]
    assert "I can't find a ticket T999999" in texts(Customer(running_stack.rasa_url).say("ticket T999999"))
    assert "Which ticket?" in texts(Customer(running_stack.rasa_url).say("what's the status of my ticket?"))
    # The status of a refund or an order is a question for the knowledge base.
    replies = Customer(running_stack.rasa_url).say("I need to check the status of my refund")
    assert "Which ticket?" not in texts(replies)
    assert any("refund" in shown.lower() for shown in [texts(replies), *button_titles(replies)])


def test_with_redis_down_a_ticket_is_taken_at_once_and_reaches_the_desk_when_redis_is_back(
    running_stack, desk_redis, redis_server, stack_redis, open_page,
):
    customer = Customer(running_stack.rasa_url)
    assert shows(running_stack.store().get("refund-timing").answer, customer.say("How long does a refund take?"))
    redis_server.stop()
    try:
        during = customer.say("My refund for order MM-24680 never arrived")
        assert "can't reach our help centre" in texts(during)
        taken = customer.press(during, "Leave a message for our team")
        [ticket] = re.findall(r"ticket (TX[A-Z0-9]+)", texts(taken))
        assert "our system is having trouble" in texts(taken)
        assert "Please leave your e-mail address or phone number" in texts(taken)
        noted = customer.say("jane.outage@example.com")
        assert ticket in texts(noted) and "within 24 hours" in texts(noted)
    finally:
        redis_server.start()
    queue = HandoffQueue(desk_redis)
    deadline = time.time() + 60
    while queue.get(ticket) is None and time.time() < deadline:
        time.sleep(0.5)
    stored = queue.get(ticket)
    assert stored is not None, "the journalled ticket never reached Redis"
    assert stored.state == "ticket" and ticket in [h.ticket for h in queue.offline_tickets()]
    assert stored.sender_id == customer.sender
    assert "jane.outage@example.com" in stored.contact_details
    lines = [line.text for line in queue.transcript(ticket)]
    assert "My refund for order MM-24680 never arrived" in lines and "jane.outage@example.com" in lines
    assert [r["kind"] for r in stored.reasons] == ["human_request", "outage"]
    # The summary tells the whole story: the question before the outage and the facts given during it.
    assert "How long does a refund take?" in stored.summary.issue
    assert "MM-24680" in for_widget(stored.summary)
    assert ContactHistory(desk_redis).get(customer.sender).ticket == ticket
    assert OutageJournal(running_stack.settings.data_dir / "outage-journal.jsonl").records() == []
    # An agent sees it in the desk among the offline tickets, with why and how to reach the customer.
    page = open_page(f"{running_stack.desk_url}/desk/login")
    log_in(page, running_stack.desk_url, "alice", stack_redis)
    row = page.locator("#tickets .row", has_text=ticket)
    expect(row).to_contain_text("taken while our systems were down", timeout=15_000)
    expect(row).to_contain_text("jane.outage@example.com")
    screenshot(page, "desk-outage-ticket")


def test_a_customer_waiting_in_the_queue_during_a_redis_outage_keeps_their_place_and_their_words(
    running_stack, desk_redis, redis_server,
):
    customer = Customer(running_stack.rasa_url)
    customer.say("I want to talk to a human")
    queue = HandoffQueue(desk_redis)
    ticket = queue.open_for(customer.sender).ticket
    added = "Also, the parcel was MM-97531"
    redis_server.stop()
    try:
        replies = customer.say(added)
        assert f"You keep your place in the queue, and your message is saved with ticket {ticket}" in texts(replies)
    finally:
        redis_server.start()
    deadline = time.time() + 60
    while added not in [line.text for line in queue.transcript(ticket)]:
        assert time.time() < deadline, "the message never joined the handoff"
        time.sleep(0.5)
    assert queue.get(ticket).state == "queued" and queue.position(ticket) == 1


def test_rising_frustration_is_acknowledged_once_with_the_problem_restated(running_stack, desk_redis):
    customer = Customer(running_stack.rasa_url)
    customer.say("my refund for the lamp I sent back")
    first = customer.say("where is my damn refund")
    assert "I'm sorry this has been frustrating" in texts(first)
    assert "you're asking about “my refund for the lamp I sent back”" in texts(first)
    assert "Talk to a person" in button_titles(first)
    assert HandoffQueue(desk_redis).open_for(customer.sender) is None  # offered, not forced
    # The apology is not repeated on the next turn: it would ring hollow.
    assert "sorry this has been frustrating" not in texts(customer.say("How long does a refund take?"))
    assert HandoffQueue(desk_redis).open_for(customer.sender) is None


def test_abuse_gets_one_request_to_stop_then_the_chat_ends_and_the_customer_is_flagged(running_stack, desk_redis):
    email = f"rude-{uuid.uuid4().hex[:6]}@example.com"
    customer = Customer(running_stack.rasa_url, signed_customer(running_stack.settings, email=email))
    warning = texts(customer.say("you stupid bot"))
    assert "keep it respectful" in warning and "stupid" not in warning  # never answered in kind
    assert "ending this chat" in texts(customer.say("shut up you idiot"))
    assert desk_redis.exists(f"flagged:email:{email}")
    # The next agent is prepared: a later handoff of this customer carries the flag.
    later = Customer(running_stack.rasa_url, signed_customer(running_stack.settings, email=email))
    later.say("I want to talk to a person")
    assert HandoffQueue(desk_redis).open_for(later.sender).flagged


def test_a_legal_threat_goes_to_the_supervisors_at_once(running_stack, desk_redis):
    customer = Customer(running_stack.rasa_url)
    replies = customer.say("My sofa arrived broken and if this isn't fixed I will sue you")
    handoff = HandoffQueue(desk_redis).open_for(customer.sender)
    assert handoff is not None and handoff.audience == "supervisors"
    [legal] = [r for r in handoff.reasons if r["kind"] == "legal"]
    assert "I will sue you" in legal["quote"]
    assert handoff.ticket in texts(replies)
    assert handoff.priority == PRIORITY_LEGAL  # ahead of every other reason


def test_a_customer_who_asks_for_erasure_has_every_chat_erased_and_no_one_else(running_stack, desk_redis):
    desk_redis.delete(AGENTS_KEY)  # nobody online: the request for a person becomes a ticket
    email = f"sam-{uuid.uuid4().hex[:6]}@example.com"
    sam = Customer(running_stack.rasa_url, {"customer": {"email": email}})
    sam.say("Where is my refund for order MM-55501?")
    assert "I don't have an answer" in texts(sam.say("What is the capital of Mongolia?"))  # kept as a gap
    sam.say("I need to talk to a person")
    sam.say(email)
    [ticket] = [h.ticket for h in HandoffQueue(desk_redis).offline_tickets() if h.sender_id == sam.sender]
    kim = Customer(running_stack.rasa_url)
    kim.say("How long does a refund take?")
    rasa = Rasa(running_stack.rasa_url, running_stack.settings.rasa_token)
    assert rasa.user_events(sam.sender) and rasa.user_events(kim.sender)

    erased = subprocess.run([str(REPO_ROOT / ".venv/bin/python"), "-m", "privacy.erasure", "--email", email],
                            env=running_stack.env(), capture_output=True, text=True, timeout=60)
    assert erased.returncode == 0, erased.stderr
    assert f"1 conversation(s), ticket(s): {ticket}" in erased.stdout and "1 unanswered question(s)" in erased.stdout
    assert rasa.user_events(sam.sender) == []  # Rasa's own record of the chat is gone too
    assert ContactHistory(desk_redis).get(sam.sender) is None and HandoffQueue(desk_redis).get(ticket) is None
    assert rasa.user_events(kim.sender) and ContactHistory(desk_redis).get(kim.sender) is not None


def test_a_customer_who_says_they_asked_before_gets_one_reply_and_is_passed_on_as_a_repeat(running_stack, desk_redis):
    customer = Customer(running_stack.rasa_url)
    said = customer.say("this is the third time I'm asking, nobody helps, this is ridiculous")
    # One coherent reply (Rasa reads "nobody helps" as "are you a bot?"): no small talk after the apology.
    assert len(said) == 1 and said[0]["text"].startswith("I'm sorry you've had to ask again.")
    assert button_titles(said) == ["Talk to a person"] and "virtual assistant" not in texts(said)
    assert HandoffQueue(desk_redis).open_for(customer.sender) is None  # offered, not forced
    queued = customer.press(said, "Talk to a person")
    handoff = HandoffQueue(desk_redis).open_for(customer.sender)
    assert handoff is not None and handoff.summary.who.says_asked_before and handoff.summary.who.earlier_contacts == 0
    assert "asked_before" in [r["kind"] for r in handoff.reasons]
    # The customer reads what was passed on about the problem, not our reading of their mood.
    passed_on = texts(queued)
    assert "says they asked before" in passed_on
    assert not any(word in passed_on for word in ("Frustration", "Upset", "complaint", "Handed off"))
    # No earlier contact on record and calm words: the claim alone raises the priority.
    calm = Customer(running_stack.rasa_url)
    answered = calm.say("I e-mailed you yesterday about my refund, how long does a refund take?")
    assert texts(answered).startswith("I'm sorry you've had to ask again.")
    assert shows(running_stack.store().get("refund-timing").answer, answered)
    calm.press(answered, "Talk to a person")
    handoff = HandoffQueue(desk_redis).open_for(calm.sender)
    assert handoff is not None and handoff.priority == PRIORITY_RAISED and set(handoff.summary.trend) == {"none"}
