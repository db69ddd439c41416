"""Tickets taken during an outage: the conversation Rasa holds as the ticket's turns and transcript."""

from __future__ import annotations

from handoff.outage_tickets import HeldConversation, held_turns, judge_alone, latest_input_channel, ticket_data


def user(text: str, intent: str, at: float, channel: str = "rest") -> dict:
    return {"event": "user", "text": text, "timestamp": at, "input_channel": channel,
            "parse_data": {"intent": {"name": intent}}}


EVENTS = [user("/greet", "greet", 1.0), user("my parcel never came", "ask", 2.0),
          {"event": "bot", "text": "Sorry, I don't know.", "timestamp": 2.5},
          user("I will sue you", "complain", 3.0, "socketio")]


def test_the_held_messages_become_turns_the_last_handing_off() -> None:
    assert [(t.text, t.outcome) for t in held_turns(EVENTS)] == [
        ("/greet", ""), ("my parcel never came", "dont_know"), ("I will sue you", "handoff"),
    ]
    assert latest_input_channel(EVENTS) == "socketio" and latest_input_channel([]) == ""


def test_a_ticket_records_who_why_and_the_conversation() -> None:
    held = HeldConversation("s1", "socketio", {"browser_id": "b1"}, {"text": "I will sue you",
                            "intent": {"name": "complain"}}, EVENTS)
    assessment = judge_alone(held)
    assert assessment.hand_off and [r.kind for r in assessment.reasons] == ["legal"]
    data = ticket_data(held, list(assessment.reasons), assessment.level)
    assert [r["kind"] for r in data["reasons"]] == ["legal", "outage"]
    assert data["reasons"][-1]["quote"] == "I will sue you"
    assert [line["text"] for line in data["lines"]] == ["my parcel never came", "Sorry, I don't know.", "I will sue you"]
    assert (data["sender_id"], data["channel"], data["customer"]) == ("s1", "socketio", {"browser_id": "b1"})
