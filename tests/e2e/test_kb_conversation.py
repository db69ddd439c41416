"""A customer asks through Rasa's REST channel; the real action server answers from Redis."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import requests
import yaml

from protocol.metadata import written
from handoff.queue import HandoffQueue

from tests.e2e.running import RunningStack
from bench.clients import Customer
from tests.support import button_titles, shows, texts

# The `kb` command installed beside the interpreter running the tests (.venv/bin/kb).
KB_COMMAND = str(Path(sys.executable).parent / "kb")
UNRELATED = "what is the capital of Mongolia?"


def test_a_question_is_answered_from_its_entry_which_is_named(customer: Customer, running_stack: RunningStack):
    entry = running_stack.store().get("refund-timing")
    replies = customer.say("how many days until my money comes back after a return?")
    assert shows(entry.answer, replies)
    assert f"Source: [{entry.title}]({entry.link})" in texts(replies)
    assert "Did that answer your question?" in texts(replies)
    assert button_titles(replies) == ["Yes", "No"]


def test_yes_closes_the_loop_and_suggests_a_related_entry(customer: Customer, running_stack: RunningStack):
    customer.say("How long does a refund take?")
    replies = customer.press(customer.say("How long does a refund take?"), "Yes")
    related = running_stack.store().get(running_stack.store().get("refund-timing").related[0])
    assert "glad that helped" in texts(replies)
    assert button_titles(replies) == [related.title]
    assert shows(related.answer, customer.press(replies, related.title))


def test_an_ambiguous_question_gets_clarify_buttons_and_a_press_gives_that_answer(customer: Customer, running_stack: RunningStack):
    store = running_stack.store()
    replies = customer.say("delivery")
    assert "Which one fits your question best?" in texts(replies)
    titles = button_titles(replies)
    choices = {store.get(i).title: i for i in ("delivery-times", "delivery-costs", "failed-delivery")}
    assert len(set(titles) & set(choices)) >= 2 and titles[-1] == "None of these"
    chosen = next(t for t in titles if t in choices)
    answer = customer.press(replies, chosen)
    assert shows(store.get(choices[chosen]).answer, answer)
    assert f"Source: [{chosen}]" in texts(answer)


def test_an_unrelated_question_gets_an_honest_dont_know(customer: Customer):
    replies = customer.say(UNRELATED)
    assert "I don't have an answer for that" in texts(replies)
    assert "put it another way" in texts(replies)
    assert button_titles(replies) == ["Talk to a person"]


def test_no_after_an_answer_gives_the_next_best_entry_then_a_person(customer: Customer, running_stack: RunningStack):
    first = customer.say("How long does a refund take?")
    store = running_stack.store()
    assert shows(store.get("refund-timing").answer, first)
    replies = customer.press(first, "No")
    if "Maybe this is closer" in texts(replies):
        shown = [e for e in store.snapshot().entries.values() if shows(e.answer, replies)]
        assert shown and shown[0].id != "refund-timing"
        replies = customer.press(replies, "No")
        # Two rejected answers: offered a person, or (frustration judged high) handed to one.
        assert "Talk to a person" in button_titles(replies) or "ticket" in texts(replies)
    else:
        assert "couldn't find the right answer" in texts(replies)
        assert "Talk to a person" in button_titles(replies)


def test_a_kb_edit_through_kb_import_is_answered_at_once(customer: Customer, running_stack: RunningStack, tmp_path):
    store = running_stack.store()
    original = store.get("gift-cards")
    edited = {**original.to_dict(), "answer": "Gift cards now come with a free e-card design, code 7f3a."}
    path = tmp_path / "edit.yml"
    path.write_text(yaml.safe_dump({"entries": [edited]}))
    try:
        result = subprocess.run([KB_COMMAND, "import", str(path)], env=running_stack.env(), capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert "free e-card design, code 7f3a" in texts(customer.say(original.questions[0]))
    finally:
        store.save([original])
    assert shows(original.answer, customer.say(original.questions[0]))


def test_small_talk(customer: Customer, running_stack: RunningStack):
    assert "virtual assistant" in texts(customer.say("hello"))
    assert "not a person" in texts(customer.say("are you a bot?"))
    capabilities = texts(customer.say("what can you do?"))
    for category in {e.category for e in running_stack.store().snapshot().entries.values()}:
        assert category in capabilities
    assert "welcome" in texts(customer.say("thanks a lot"))
    assert "Goodbye" in texts(customer.say("bye"))


def test_a_request_for_a_person_is_recorded_with_a_ticket(customer: Customer, running_stack: RunningStack):
    replies = texts(customer.say("I want to talk to a human"))
    [handoff] = [h for h in HandoffQueue(running_stack.redis()).recent() if h.sender_id == customer.sender]
    assert handoff.ticket in replies
    assert [r["kind"] for r in handoff.reasons] == ["human_request"]
    tracker_url = f"{running_stack.rasa_url}/conversations/{customer.sender}/tracker"
    assert requests.get(tracker_url, timeout=10).status_code == 401  # never open without the token
    tracker = requests.get(tracker_url, params={"token": running_stack.settings.rasa_token}, timeout=10).json()
    assert tracker["slots"]["handoff_ticket"] == handoff.ticket


def test_bad_input_gets_a_clear_reply_and_is_kept(customer: Customer, running_stack: RunningStack):
    long_text = " ".join(["my order"] * 400)
    assert "longer than I can read" in texts(customer.say(long_text))
    assert "couldn't read that message" in texts(customer.say("\x00\x01\x02\x03 \x7f"))
    html = "<img src=x onerror=alert(1)> <script>alert(1)</script> How long does a refund take?"
    replies = customer.say(html)
    assert shows(running_stack.store().get("refund-timing").answer, replies)
    assert "<script>" not in texts(replies) and "onerror" not in texts(replies)
    tracker = requests.get(
        f"{running_stack.rasa_url}/conversations/{customer.sender}/tracker",
        params={"token": running_stack.settings.rasa_token}, timeout=10,
    ).json()
    # NLU read the long one cut; what the customer wrote is kept whole beside it.
    said = [written(e) for e in tracker["events"] if e["event"] == "user"]
    assert long_text in said and html in said  # nothing the customer typed is lost


def test_action_server_outage_gets_an_apology_not_silence(customer: Customer, running_stack: RunningStack):
    running_stack.stop_actions()
    try:
        replies = customer.say("How long does a refund take?")
        assert "I'm sorry, part of our system isn't responding" in texts(replies)
    finally:
        running_stack.start_actions()
    assert shows(running_stack.store().get("refund-timing").answer, customer.say("How long does a refund take?"))


def test_a_redis_outage_gets_a_plain_reply_and_loses_nothing(customer: Customer, running_stack: RunningStack, redis_server):
    refund = running_stack.store().get("refund-timing")
    assert shows(refund.answer, customer.say("How long does a refund take?"))
    redis_server.stop()
    try:
        during = customer.say("Where is my parcel MM-55555?")
        assert "can't reach our help centre right now" in texts(during)
        assert "Your message is saved" in texts(during)
        # No live queue (it is in Redis too), but a message for the team can be left.
        assert button_titles(during) == ["Leave a message for our team"]
    finally:
        redis_server.start()
    assert shows(refund.answer, customer.say("How long does a refund take?"))
    tracker = requests.get(
        f"{running_stack.rasa_url}/conversations/{customer.sender}/tracker",
        params={"token": running_stack.settings.rasa_token}, timeout=10,
    ).json()
    said = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    assert said == ["How long does a refund take?", "Where is my parcel MM-55555?", "How long does a refund take?"]
    # One conversation: the outage did not start a new session (which would reset its slots).
    assert [e["event"] for e in tracker["events"]].count("session_started") == 1


def test_an_answer_the_customer_turned_down_is_not_offered_again_in_the_chat(customer: Customer, running_stack: RunningStack):
    refund = running_stack.store().get("refund-timing")
    first = customer.say("How long does a refund take?")
    assert shows(refund.answer, first)
    customer.press(first, "No")
    again = customer.say("how many days until I get my refund?")
    assert f"You said “{refund.title}” didn't help earlier, so I've left it out." in texts(again)
    assert not shows(refund.answer, again) and refund.title not in button_titles(again)
    # Another customer asking the same still gets it.
    assert shows(refund.answer, Customer(running_stack.rasa_url).say("how many days until I get my refund?"))
