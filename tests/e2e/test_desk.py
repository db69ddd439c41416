"""The agent desk against the real stack: a socket.io customer asks for a person, an agent in
headless Chromium takes the chat, both sides talk, the agent resolves and the customer rates.

Screenshots go to .data/screenshots/desk-*.png.
"""

from __future__ import annotations

import json
import re
import threading
import time

from playwright.sync_api import Page, expect

from handoff.queue import HandoffQueue
from handoff.records import PRIORITY_NAMES, Handoff
from tests.e2e.browser_fixtures import Rasa, screenshot
from tests.e2e.running import RunningStack
from bench.clients import DeskApi
from tests.e2e.desk_fixtures import SocketCustomer, desk_api, log_in
from bench.clients import Customer
from tests.support import shows

ASK = "I want to talk to a human"
ATTACK = "<img src=x onerror=alert(1)> is this thing on?"


def queued(customer: SocketCustomer, client) -> Handoff:
    """Ask for a person; the handoff once the bot has told the customer their ticket."""
    customer.say(ASK)
    customer.wait_for(lambda m: "ticket number" in str(m.get("text", "")).lower())
    handoff = HandoffQueue(client).open_for(customer.session_id)
    assert handoff is not None and handoff.state == "queued" and handoff.channel == "socketio"
    return handoff


def take(page: Page, handoff: Handoff, customer: SocketCustomer, display_name: str) -> None:
    """Claim the waiting chat from the desk's live queue; wait until the customer is told who joined."""
    row = page.locator("#waiting .row", has_text=handoff.ticket)
    expect(row).to_be_visible(timeout=15_000)
    row.locator("button.claim").click()
    page.wait_for_url(f"**/desk/conversations/{handoff.ticket}")
    customer.wait_for_payload("agent_joined", agent=display_name)


def test_an_agent_takes_the_chat_talks_with_the_customer_and_resolves_it(
        running_stack: RunningStack, stack_redis, socket_customer, open_page):
    page = open_page(f"{running_stack.desk_url}/desk/login", viewport={"width": 1200, "height": 1000})
    log_in(page, running_stack.desk_url, "alice", stack_redis)
    customer = socket_customer()
    handoff = queued(customer, stack_redis)

    row = page.locator("#waiting .row", has_text=handoff.ticket)
    expect(row).to_be_visible(timeout=15_000)  # live: no reload
    expect(row.locator(".badge.reason-human_request")).to_have_text("asks for a person")
    expect(row.locator(".deadline")).to_contain_text("answer within")
    screenshot(page, "desk-queue")

    take(page, handoff, customer, "Alice")
    expect(page.locator(".summary .issue")).to_contain_text(ASK)

    page.fill("form.compose[data-action=message] textarea", "Hi, I'm Alice. How can I help?")
    page.press("form.compose[data-action=message] textarea", "Enter")
    customer.wait_for_payload("agent_message", agent="Alice", text="Hi, I'm Alice. How can I help?")

    customer.say("My parcel MM-48213 never came")
    transcript = page.locator("#transcript")
    expect(transcript.locator(".line.customer", has_text="My parcel MM-48213 never came")).to_be_visible(timeout=30_000)
    page.fill("form.note textarea", "Checked the courier: lost in transit")
    page.click("form.note button[type=submit]")
    expect(transcript.locator(".line.note")).to_contain_text("lost in transit")
    assert not any("lost in transit" in json.dumps(m) for m in customer.received)  # notes stay internal
    page.click(".rate-summary button[data-value=enough]")
    expect(page.locator(".rate-summary button.chosen")).to_have_text("Enough")
    screenshot(page, "desk-conversation")

    page.click("button[data-action=resolve]")
    customer.wait_for_payload("rating_request", ticket=handoff.ticket)
    expect(page.locator("#flash")).to_contain_text("asked for a rating")
    rasa = Rasa(running_stack.rasa_url, running_stack.settings.rasa_token)
    slots = [e for e in rasa.events(customer.session_id) if e["event"] == "slot" and e["name"] == "handoff_state"]
    assert [s["value"] for s in slots][-2:] == ["with_agent", None]

    customer.say('/rate{"score": 5, "comment": "quick and kind", "ticket": "%s"}' % handoff.ticket)  # as the widget sends it
    expect(page.locator("#rating")).to_contain_text("5/5", timeout=40_000)  # the page's periodic refresh
    stored = HandoffQueue(stack_redis).get(handoff.ticket)
    assert stored.state == "resolved" and stored.rating["score"] == 5 and stored.summary_rating == "enough"
    screenshot(page, "desk-resolved")


def test_the_agent_opens_the_ticket_as_plain_text_with_the_customers_summary(
        running_stack: RunningStack, stack_redis, socket_customer, open_page):
    page = open_page(f"{running_stack.desk_url}/desk/login")
    log_in(page, running_stack.desk_url, "alice", stack_redis)
    customer = socket_customer()
    handoff = queued(customer, stack_redis)
    take(page, handoff, customer, "Alice")

    with page.expect_response(f"**/desk/conversations/{handoff.ticket}/ticket.txt") as opened:
        page.get_by_role("link", name="The ticket as plain text").click()
    response = opened.value
    assert response.status == 200 and response.headers["content-type"].startswith("text/plain")
    text = page.locator("body").inner_text()
    assert text.startswith(f"Ticket {handoff.ticket}") and ASK in text


def test_two_agents_claiming_at_once_exactly_one_wins(running_stack: RunningStack, stack_redis):
    from handoff.presence import heartbeat

    heartbeat(stack_redis, "alice")  # someone online, so the request queues instead of becoming a ticket
    customer = Customer(running_stack.rasa_url)
    customer.say(ASK)
    ticket = HandoffQueue(stack_redis).open_for(customer.sender).ticket
    agents = [desk_api(running_stack.desk_url, "alice"), desk_api(running_stack.desk_url, "bob")]
    barrier = threading.Barrier(2)
    answers = {}

    def claim(api: DeskApi) -> None:
        barrier.wait()
        answers[api] = api.act(ticket, "claim")

    threads = [threading.Thread(target=claim, args=(api,)) for api in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in answers.values()) == [200, 409]
    winner = HandoffQueue(stack_redis).get(ticket).agent
    loser = next(r for r in answers.values() if r.status_code == 409)
    assert loser.json()["error"] == f"{'Alice' if winner == 'alice' else 'Bob'} already took this conversation."
    # The winner gives the chat back: the bot answers the customer's KB question again.
    assert next(api for api in agents if answers[api].status_code == 200).act(ticket, "return").status_code == 200
    assert HandoffQueue(stack_redis).get(ticket).state == "returned"
    refund = running_stack.store().get("refund-timing")
    assert shows(refund.answer, customer.say("How long does a refund take?"))


def test_a_message_for_the_agent_during_a_redis_outage_reaches_them_when_it_is_back(
    running_stack: RunningStack, stack_redis, redis_server,
):
    from handoff.presence import heartbeat

    heartbeat(stack_redis, "alice")
    customer = Customer(running_stack.rasa_url)
    customer.say(ASK)
    ticket = HandoffQueue(stack_redis).open_for(customer.sender).ticket
    alice = desk_api(running_stack.desk_url, "alice")
    assert alice.act(ticket, "claim").status_code == 200
    said = "Are you still there? The order is MM-13579"
    redis_server.stop()
    try:
        replies = customer.say(said)
        assert "Your message is saved and will reach the person you're chatting with" in replies[0]["text"]
    finally:
        redis_server.start()
    deadline = time.time() + 60
    while said not in [line.text for line in HandoffQueue(stack_redis).transcript(ticket)]:
        assert time.time() < deadline, "the journalled message never reached the agent"
        time.sleep(0.5)
    # The chat is still the agent's: the bot stays silent on the next message.
    assert customer.say("thanks") == []
    assert alice.act(ticket, "return").status_code == 200


def test_customer_html_is_shown_as_text(running_stack: RunningStack, stack_redis, socket_customer, open_page):
    page = open_page(f"{running_stack.desk_url}/desk/login")
    log_in(page, running_stack.desk_url, "bob", stack_redis)
    customer = socket_customer()
    handoff = queued(customer, stack_redis)
    take(page, handoff, customer, "Bob")
    customer.say(ATTACK)
    line = page.locator("#transcript .line.customer", has_text="is this thing on?")
    expect(line.locator(".text")).to_have_text(ATTACK, timeout=30_000)
    assert page.locator("#transcript img").count() == 0
    screenshot(page, "desk-html-as-text")
    page.click("button[data-action=return]")
    customer.wait_for_payload("handoff_ended", to="bot")
    # open_page fails the test if any dialog (alert) opened.


def test_an_agent_passes_the_chat_to_a_supervisor_who_takes_it(
        running_stack: RunningStack, stack_redis, socket_customer, open_page):
    agent = open_page(f"{running_stack.desk_url}/desk/login")
    log_in(agent, running_stack.desk_url, "alice", stack_redis)
    customer = socket_customer()
    handoff = queued(customer, stack_redis)
    take(agent, handoff, customer, "Alice")

    agent.select_option("form[data-action=transfer] select[name=to]", "supervisors")
    agent.click("form[data-action=transfer] button[type=submit]")
    agent.wait_for_url(f"{running_stack.desk_url}/desk")  # it is not Alice's any more: back to the queue
    expect(agent.locator("#flash")).to_have_text("Passed to the supervisor queue.")
    expect(agent.locator("#waiting")).not_to_contain_text("Loading")  # the live queue has arrived
    expect(agent.locator("#waiting .row", has_text=handoff.ticket)).to_have_count(0)  # agents don't see it
    assert HandoffQueue(stack_redis).get(handoff.ticket).audience == "supervisors"

    supervisor = open_page(f"{running_stack.desk_url}/desk/login")
    log_in(supervisor, running_stack.desk_url, "sue", stack_redis)
    take(supervisor, handoff, customer, "Sue")
    expect(supervisor.locator("#transcript")).to_contain_text("Alice passed the conversation to a supervisor")
    stored = HandoffQueue(stack_redis).get(handoff.ticket)
    assert stored.state == "assigned" and stored.agent == "sue"
    # The wait counted is until Alice first took it, not until Sue did; the report shows it.
    assert stored.created_at < stored.claimed_at < time.time() - 1
    supervisor.get_by_role("link", name="Report").click()
    expect(supervisor.locator(f".waits tr.wait-{PRIORITY_NAMES[stored.priority]}")).to_be_visible()
    screenshot(supervisor, "desk-report")


def test_an_agent_sees_which_waiting_customers_match_their_skills(running_stack: RunningStack, stack_redis, open_page):
    page = open_page(f"{running_stack.desk_url}/desk/login", viewport={"width": 1200, "height": 900})
    log_in(page, running_stack.desk_url, "pat", stack_redis)  # skills: general, payments
    customer = Customer(running_stack.rasa_url)
    customer.say(ASK)
    handoff = HandoffQueue(stack_redis).open_for(customer.sender)
    try:
        row = page.locator("#waiting .row", has_text=handoff.ticket)
        expect(row.locator(".badge.skill")).to_have_text(f"{handoff.summary.category} · your skill")
        screenshot(page, "desk-skills")
    finally:
        HandoffQueue(stack_redis).close(handoff.ticket, "resolved")


def test_a_response_target_about_to_be_missed_is_warned_about_in_the_tabs_title(running_stack: RunningStack, stack_redis, open_page):
    page = open_page(f"{running_stack.desk_url}/desk/login", viewport={"width": 1200, "height": 900})
    log_in(page, running_stack.desk_url, "bob", stack_redis)
    customer = Customer(running_stack.rasa_url)
    customer.say(ASK)
    queue = HandoffQueue(stack_redis)
    handoff = queue.open_for(customer.sender)
    try:
        row = page.locator("#waiting .row", has_text=handoff.ticket)
        expect(row.locator(".deadline")).not_to_have_class(re.compile("warn|missed"))
        expect(page).to_have_title(re.compile(r"^Queue"))
        queue.update(handoff.ticket, deadline_at=time.time() + 8)  # as if nearly the whole target had passed
        page.reload()
        expect(row.locator(".deadline")).to_have_class(re.compile("warn"))
        expect(page).to_have_title(re.compile(r"^\(1 due\) Queue"))
        expect(row.locator(".deadline")).to_have_class(re.compile("missed"), timeout=15_000)
        expect(page).to_have_title(re.compile(r"^\(1 due\) Queue"))
    finally:
        queue.close(handoff.ticket, "resolved")
