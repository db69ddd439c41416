"""A customer whose order is late asks through Rasa's REST channel and gets the late-order answer."""

from __future__ import annotations

from bench.clients import Customer
from tests.e2e.running import RunningStack
from tests.support import button_titles, shows, texts


def test_an_order_that_has_not_arrived_gets_the_late_order_answer(customer: Customer, running_stack: RunningStack):
    entry = running_stack.store().get("late-order")
    replies = customer.say("my order hasn't arrived yet, it's been over a week")
    assert shows(entry.answer, replies)
    assert f"Source: [{entry.title}]({entry.link})" in texts(replies)
    assert button_titles(replies) == ["Yes", "No"]
