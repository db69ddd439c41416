"""How conversations with a question ended, from the contact history in a real Redis."""

from __future__ import annotations

import time

from reports.containment import conversation_figures
from customers.contacts import ABANDONED_AFTER_SECONDS, ContactHistory


def test_conversations_with_a_question_are_counted_by_how_they_ended(redis_client):
    history = ContactHistory(redis_client)
    history.touch("answered", topic="How long does a refund take?")
    history.set_outcome("answered", "resolved")
    history.touch("person", topic="Where is my parcel?")
    history.set_outcome("person", "handed_off", "T000001")
    history.set_outcome("person-at-once", "handed_off", "T000002")  # asked for a person first thing
    history.touch("left", topic="Do you sell gift cards?")
    history.touch("greeted-only", intent="greet")
    contacts = history.started_since(time.time() - 60)
    assert {c.sender_id for c in contacts} == {"answered", "person", "person-at-once", "left", "greeted-only"}
    figures = conversation_figures(contacts, time.time() + ABANDONED_AFTER_SECONDS + 1)
    assert (figures.conversations, figures.answered, figures.handed_off, figures.unconfirmed) == (4, 1, 2, 1)
    assert figures.share(figures.handed_off) == 0.5
    assert history.started_since(time.time() + 60) == []
    assert conversation_figures([], time.time()).share(0) is None
