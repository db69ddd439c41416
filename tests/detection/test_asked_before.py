"""A customer saying they have asked before is a repeat contact; asking to do something again is not."""

from __future__ import annotations

import pytest

from detection import Turn, assess
from detection.signals import asked_before


@pytest.mark.parametrize(
    "text",
    [
        "this is the third time I'm asking, nobody helps, this is ridiculous",
        "3rd time contacting you about my parcel",
        "for the fourth time: where is my refund?",
        "I've asked this already, where is my order?",
        "I already told you my order number",
        "we called twice last week and nothing happened",
        "I e-mailed you yesterday about the broken lamp",
        "I asked before and got no answer",
        "I'm asking again: when will my money come back?",
        "I have been trying to reach you for days",
        "I've been chasing this since March",
        "still no reply to my complaint",
        "I still haven't heard back from anyone",
        "my problem is still not sorted",
        "nobody got back to me",
        "how many times do I have to explain this?",
        "as I said in my last email, the box was empty",
        "last time I asked you said three days",
        "sorry to bother you again",
    ],
)
def test_saying_they_asked_before_is_noticed_and_quoted(text: str) -> None:
    signal = asked_before(text)
    assert signal is not None and signal.kind == "asked_before" and signal.weight == 0
    quoted = signal.detail.split("'")[1]
    assert signal.detail.startswith("says they asked before") and quoted.lower() in text.lower()


@pytest.mark.parametrize(
    "text",
    [
        "can I order again?",
        "is it still in stock?",
        "do you still deliver to Jersey?",
        "can I still cancel my order?",
        "I'd like to buy the same lamp again",
        "still waiting for my parcel, where is it?",  # the order is late, not a contact
        "my parcel is late again",
        "how do I contact you again?",
        "can you tell me again how returns work?",
        "what did I order last time?",
        "I tried it again and it still doesn't work",
        "it's the third time this lamp has broken",
        "I already paid for it",
        "I have already sent the item back",
        "I asked for a refund before the deadline, is that fine?",
        "where is my order?",
    ],
)
def test_doing_something_again_is_not_a_repeat_contact(text: str) -> None:
    assert asked_before(text) is None


def test_the_flag_is_for_the_newest_message_and_does_not_raise_the_level_by_itself() -> None:
    said = assess([Turn("I e-mailed you yesterday about my refund")])
    assert said.asked_before and said.level == "none" and not said.hand_off
    assert [r.kind for r in said.reasons] == ["asked_before"]
    assert said.reasons[0].quote == "I e-mailed you yesterday about my refund"
    later = assess([Turn("I e-mailed you yesterday about my refund"), Turn("ok, thanks")])
    assert not later.asked_before
    # What upsets the customer in the same message counts on its own: "ridiculous" makes it rising.
    upset = assess([Turn("this is the third time I'm asking, nobody helps, this is ridiculous")])
    assert upset.asked_before and upset.level == "rising" and not upset.hand_off
