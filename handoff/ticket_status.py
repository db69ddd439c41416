"""What a customer is told when they ask how their ticket is doing (service playbook: "the customer
can look up progress by ticket number").

Only the state and the times are told, never the conversation: a ticket number alone must not
reveal what someone else wrote.
"""

from __future__ import annotations

import math
import re

from handoff.journal import is_journal_ticket
from handoff.records import Handoff

# T000123 (numbered by the queue) or TX7KQ2MZ (taken while Redis was down), any case.
TICKET_REF = re.compile(r"\b(T\d{6}|TX[A-Z2-9]{6})\b", re.I)


def ticket_refs(text: str) -> list[str]:
    """The ticket references in a message, upper-cased, in order, without repeats."""
    return list(dict.fromkeys(match.upper() for match in TICKET_REF.findall(text)))


def _duration(seconds: float) -> str:
    if seconds < 3600:
        minutes = max(1, math.ceil(seconds / 60))
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = math.ceil(seconds / 3600)
    return f"{hours} hour{'s' if hours != 1 else ''}"


def status_text(ref: str, handoff: Handoff | None, position: int | None, now: float) -> tuple[str, bool]:
    """What to tell about ticket `ref`, and whether to offer a person with it."""
    if handoff is None:
        if is_journal_ticket(ref):
            return (f"We have your ticket {ref}: it was taken while our systems were down and reaches "
                    "our team as soon as they are back. Nothing you told us is lost.", False)
        return (f"I can't find a ticket {ref}. Please check the number: it's in the message we sent "
                "when the ticket was opened (a T and six digits, like T000123).", False)
    if handoff.state == "queued":
        place = f" You're number {position} in line." if position else ""
        return f"Ticket {ref} is waiting for the next free agent.{place}", False
    if handoff.state == "assigned":
        return f"An agent is working on ticket {ref} right now.", False
    if handoff.state == "ticket":
        left = handoff.deadline_at - now
        if left > 0:
            return (f"Ticket {ref} is with our team, who will get back to you within {_duration(left)} "
                    f"(our target is a reply within a day).", False)
        return (f"I'm sorry: ticket {ref} has waited longer than our one-day target. "
                "I can put you through to a person now.", True)
    # resolved, or given back to the bot by the agent
    return (f"Ticket {ref} has been dealt with by our team. If the problem is back, "
            "I can put you through to a person.", True)
