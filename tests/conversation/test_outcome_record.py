"""Outcomes per entry counted as customer turns are recorded (conversation.outcome_record), on the
real Redis and the real small knowledge base."""

from __future__ import annotations

from typing import Any

from conversation.context import Services, TurnInput
from conversation.kb_reply import answer, choose, feedback
from conversation.outcome_record import turn_events
from conversation.turn import take_turn
from handoff.turns import TurnLog, TurnRecord
from kb.outcomes import EntryCounts, EntryOutcomes
from kb.store import KBStore, fingerprint
from tests.conversation.turn_fixtures import message, run

BROWSER = {"browser_id": "browser-1"}


def say(services: Services, respond: Any, turn: TurnInput) -> dict[str, Any]:
    """One turn through take_turn; the slots to carry into the next."""
    return run(take_turn(turn, respond, services)).slots


def test_an_answer_a_yes_and_a_handoff_two_turns_later_count_against_the_entry(services: Services) -> None:
    slots = say(services, answer, message("How long do refunds take?", "ask", metadata=BROWSER))
    slots = say(services, feedback, message("yes", "affirm", slots=slots, metadata=BROWSER))
    say(services, answer, message("I want to talk to a human agent now", "request_human", slots=slots,
                                  metadata=BROWSER))
    assert EntryOutcomes(services.redis).table(7) == {
        "refund-status": EntryCounts("refund-status", answered=1, helped=1, handoff_after=1)}
    # The turn log keeps the version the customer read.
    asked = TurnLog(services.redis).all("s1")[0]
    assert asked.version == fingerprint(KBStore(services.redis).get("refund-status"))


def test_an_offer_a_choice_and_a_no_count_against_the_entries_concerned(services: Services) -> None:
    slots = say(services, answer, message("How much is delivery?", "ask"))
    choice = {"entry_id": "delivery-cost-uk"}
    slots = say(services, choose, message("/kb_choose", "kb_choose", slots=slots, entities=choice))
    say(services, feedback, message("no", "deny", slots=slots))
    table = EntryOutcomes(services.redis).table(7)
    assert table["delivery-cost-uk"] == EntryCounts("delivery-cost-uk", answered=1, offered=1, chosen=1,
                                                    not_helped=1)
    assert table["delivery-cost-europe"].offered == 1 and table["delivery-cost-europe"].chosen == 0


def test_the_same_browser_back_about_the_same_entry_within_72_hours_is_a_repeat(services: Services) -> None:
    say(services, answer, message("How long do refunds take?", "ask", sender="first", metadata=BROWSER))
    say(services, answer, message("my refund hasn't arrived", "ask", sender="second", metadata=BROWSER))
    say(services, answer, message("When will I get my refund?", "ask", sender="second", metadata=BROWSER))
    say(services, answer, message("How long do refunds take?", "ask", sender="stranger"))
    assert EntryOutcomes(services.redis).table(7)["refund-status"].repeat_after == 1  # once per conversation


def test_a_handoff_more_than_two_turns_after_an_answer_does_not_count() -> None:
    answered = TurnRecord("refund?", "ask", "answer", ["refund-status"])
    chat = [answered, TurnRecord("ok", "chitchat"), TurnRecord("hmm", "chitchat")]
    assert turn_events(chat, TurnRecord("a person", "request_human", "handoff")) == []
    assert turn_events(chat[:2], TurnRecord("a person", "request_human", "handoff")) == [
        ("handoff_after", "refund-status")]
