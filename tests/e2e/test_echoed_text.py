"""What the bot repeats of a customer's words comes back as plain, quoted text (customers/echo.py)."""

from __future__ import annotations

import re

from tests.e2e.running import RunningStack
from bench.clients import Customer
from tests.support import texts


def test_markup_typed_by_a_customer_is_restated_as_plain_quoted_text(running_stack: RunningStack):
    customer = Customer(running_stack.rasa_url)
    customer.say("my refund <b>x</b><script>alert(1)</script>")
    restated = texts(customer.say("where is my damn refund"))
    assert "you're asking about “my refund x alert(1)”" in restated
    assert not re.search(r"<[A-Za-z/!?]", restated)


def test_a_name_with_markup_is_greeted_as_plain_text(running_stack: RunningStack):
    customer = Customer(running_stack.rasa_url, {"customer": {"name": "<b>Sam</b><img src=x onerror=alert(1)>"}})
    greeting = texts(customer.say("/greet"))
    assert "Hi Sam!" in greeting and "<" not in greeting
