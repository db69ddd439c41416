"""The assistant's words: every message a customer turn sends (as rasa-sdk's dispatcher takes them)."""

from __future__ import annotations

import json
from typing import Any

from conversation.input_check import Problem
from customers.echo import quoted
from kb.entry import Entry
from kb.store import fingerprint
from protocol.metadata import KB_ANSWER_KEY, MAX_FULL_TEXT_CHARS
from protocol.widget import HANDOFF_STATUS, RATING_REQUEST

Message = dict[str, Any]

YES_NO = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
HUMAN_BUTTON = {"title": "Talk to a person", "payload": "/request_human"}


def choose_payload(entry_id: str) -> str:
    """The button payload that asks for one entry."""
    return "/kb_choose" + json.dumps({"entry_id": entry_id})


def source_line(entry: Entry) -> str:
    """Names the entry an answer comes from, linked when it has a link."""
    return f"Source: [{entry.title}]({entry.link})" if entry.link else f"Source: {entry.title}"


def answer(entry: Entry, lead: str = "") -> list[Message]:
    """The entry's answer, its source, and the "did that answer" question.

    The answer names its entry and version (protocol.metadata.KB_ANSWER_KEY).
    """
    body = f"{lead}\n\n{entry.answer}" if lead else entry.answer
    return [
        {"text": f"{body}\n\n{source_line(entry)}", KB_ANSWER_KEY: {"entry": entry.id, "version": fingerprint(entry)}},
        {"text": "Did that answer your question?", "buttons": YES_NO},
    ]


def answer_version(messages: list[Message]) -> str:
    """The version of the entry answered with among `messages` ("" when none is an answer)."""
    return next((str(m[KB_ANSWER_KEY]["version"]) for m in messages if m.get(KB_ANSWER_KEY)), "")


def left_out(titles: list[str]) -> str:
    """Says which answers the customer already turned down are not offered again."""
    named = " and ".join(f"“{t}”" for t in titles)
    return f"You said {named} didn't help earlier, so I've left {'it' if len(titles) == 1 else 'them'} out."


def clarify(entries: list[Entry]) -> list[Message]:
    """One short question with the close entries as choices."""
    buttons = [{"title": e.title, "payload": choose_payload(e.id)} for e in entries]
    buttons.append({"title": "None of these", "payload": "/deny"})
    return [{"text": "I found a few possible answers. Which one fits your question best?", "buttons": buttons}]


def dont_know() -> list[Message]:
    """An honest "I don't know", an invitation to rephrase, and the offer of a person."""
    return [{
        "text": "I'm sorry, I don't have an answer for that. Could you put it another way? "
                "Or I can pass you to a person.",
        "buttons": [HUMAN_BUTTON],
    }]


def exhausted() -> list[Message]:
    """After the customer rejected what the KB had."""
    return [{
        "text": "I'm sorry I couldn't find the right answer. You can rephrase your question, "
                "or I can pass you to a person who can help.",
        "buttons": [HUMAN_BUTTON],
    }]


def glad(related: Entry | None) -> list[Message]:
    """After a "yes": close the loop and anticipate the next likely question."""
    if related is None:
        return [{"text": "Great, glad that helped! Is there anything else I can do for you?"}]
    return [{
        "text": "Great, glad that helped! People who ask this often also ask:",
        "buttons": [{"title": related.title, "payload": choose_payload(related.id)}],
    }]


def kb_unavailable() -> list[Message]:
    """The store (Redis) cannot be reached: no answers and no live queue, but a message for the
    team can still be left (conversation.outage takes it as a ticket in the local journal)."""
    return [{
        "text": "I'm sorry, I can't reach our help centre right now, so I can't look that up. "
                "Your message is saved; please try again in a few minutes, or leave a message "
                "for our team and we'll get back to you.",
        "buttons": [{"title": "Leave a message for our team", "payload": "/request_human"}],
    }]


OUTAGE_NO_TICKET = ("I'm sorry, our system is having trouble and I can't take a message right now either. "
                    "Please try again in a few minutes.")


def outage_while_queued(ticket: str) -> list[Message]:
    """Waiting in the queue while the store is down: the place is kept, the message joins the request."""
    return [{"text": f"I'm sorry, our system is having trouble right now, so I can't look that up. "
                     f"You keep your place in the queue, and your message is saved with ticket {ticket} "
                     "for the person who takes your chat."}]


def outage_relay() -> list[Message]:
    """A message for the agent while the desk's store is down: it is kept and delivered later."""
    return [{"text": "I'm sorry, our system is having trouble right now. Your message is saved "
                     "and will reach the person you're chatting with as soon as it's back."}]


INPUT_PROBLEMS: dict[Problem, str] = {
    "empty": "It looks like your message was empty. What can I help you with?",
    "not_text": "Sorry, I couldn't read that message. Could you type your question in words?",
    "other_language": "Sorry, I can only answer in English for now. Could you ask in English, "
                      "or would you like me to pass you to a person?",
}


def input_problem(problem: Problem, max_chars: int) -> list[Message]:
    """Why a message could not be searched, and what to do instead."""
    if problem == "too_long":
        text = (f"Your message is longer than I can read at once ({max_chars:,} characters). "
                f"I've kept it with this conversation (up to {MAX_FULL_TEXT_CHARS:,} characters). "
                "Could you ask your main question in a sentence or two?")
        return [{"text": text}]
    return [{"text": INPUT_PROBLEMS[problem]}]


ABUSE_WARNING = (
    "I want to help you, but I can't continue if the language is abusive. "
    "Please keep it respectful, and let's sort this out together."
)
ABUSE_END = (
    "I'm ending this chat now. If you'd like help later, you're welcome to contact us again."
)


def acknowledge(restated: str) -> Message:
    """Rising frustration: acknowledge, apologise once, restate (or ask, when there is nothing to
    restate), offer a person."""
    understood = (f"Let me make sure I've understood: you're asking about {quoted(restated, 160)}."
                  if restated else "What can I help you with?")
    return {
        "text": f"I'm sorry this has been frustrating. {understood} If you'd rather talk to a person, just say so.",
        "buttons": [HUMAN_BUTTON],
    }


def asked_again(restated: str, answer_follows: bool) -> Message:
    """The customer says they asked before: apologise once, restate what they asked here if
    anything, and offer a person straight away (as a repeat contact on record is offered one)."""
    about = f" You asked me about {quoted(restated, 160)}." if restated else ""
    then = ("If I can't sort it out now, I can pass you to a person straight away."
            if answer_follows else
            "I can pass you to a person straight away, or tell me what it's about and I'll look it up.")
    return {"text": f"I'm sorry you've had to ask again.{about} {then}", "buttons": [HUMAN_BUTTON]}


def handoff_status(ticket: str, position: int | None, eta_minutes: int | None) -> Message:
    """The machine-readable queue status the widget shows (and updates)."""
    # Under "data": Rasa's socket.io channel emits a custom dict as keyword arguments.
    return {"json_message": {"data": {"type": HANDOFF_STATUS, "state": "queued", "ticket": ticket,
                                      "position": position, "eta_minutes": eta_minutes}}}


def rating_request() -> Message:
    """The widget's 1-5 stars form for the chat with the bot (no ticket)."""
    return {"json_message": {"data": {"type": RATING_REQUEST, "ticket": ""}}}


def queued(ticket: str, position: int, eta_minutes: int, summary_text: str) -> list[Message]:
    """The handoff is queued: ticket, place in line, wait, and what the agent will see."""
    return [
        {"text": f"I'm connecting you with a person. Your ticket number is {ticket}. "
                 f"You're number {position} in line; the wait is about {eta_minutes} minute"
                 f"{'s' if eta_minutes != 1 else ''}. You can keep asking me questions meanwhile."},
        {"text": f"Here's what I've passed on:\n\n{summary_text}\n\nAnything to add or correct?"},
        handoff_status(ticket, position, eta_minutes),
    ]


def already_queued(ticket: str, position: int | None, eta_minutes: int | None) -> list[Message]:
    """A second request while already waiting."""
    where = f"You're number {position} in line, about {eta_minutes} min." if position else "A person has your chat."
    return [{"text": f"You're already in line for a person (ticket {ticket}). {where}"},
            handoff_status(ticket, position, eta_minutes)]


def ticket_taken(ticket: str, why: str) -> list[Message]:
    """Nobody can take the chat now: the request is a ticket; ask how to reach the customer."""
    return [{"text": f"I'm sorry: {why}. I've opened ticket {ticket} with this whole conversation, so "
                     "nothing is lost. Please leave your e-mail address or phone number and we'll "
                     "get back to you within 24 hours."}]


def contact_noted(ticket: str) -> list[Message]:
    return [{"text": f"Thank you. Your contact details are on ticket {ticket}, and our team will get "
                     "back to you within 24 hours. Is there anything else I can help with meanwhile?"}]


def contact_missing() -> list[Message]:
    return [{"text": "I've added that to your ticket, but I couldn't see an e-mail address or phone "
                     "number in it. Could you type one, so we can reach you?"}]


def repeat_greeting(name: str, count: int, topic: str) -> list[Message]:
    """A returning customer with unresolved earlier contacts: say so and offer a person at once."""
    times = {1: "once", 2: "twice"}.get(count, f"{count} times")
    about = f" about {quoted(topic, 80)}" if topic else ""
    hello = f"Welcome back, {name}." if name else "Welcome back."
    return [{
        "text": f"{hello} I see you contacted us {times} recently{about}; let's get it solved this time. "
                "Would you like to talk to a person straight away?",
        "buttons": [HUMAN_BUTTON, {"title": "I'll ask here", "payload": "/capabilities"}],
    }]
