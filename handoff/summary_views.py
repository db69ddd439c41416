"""The summary as each audience sees it: one function per audience, all from the same `Summary`.

- `for_desk_page`: the conversation page's summary card (agents and supervisors).
- `for_queue_card`: the short line of a queue row on the desk.
- `for_widget`: "Here's what I've passed on", read back to the customer: what was passed on about
  their problem (who they are, their words, the facts they gave, what the bot tried, what they
  added). Never our assessment of them: not the handoff reasons, the frustration trend, "upset" or
  "complaint", the priority, the abuse flag or the verification state; nor the entries suggested
  to the agent or earlier and possible contacts.
- `for_ticket_email`: the ticket as plain text for an e-mail or an export (the team's copy).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from customers.echo import quoted
from handoff.provenance import ShownAnswer, when
from handoff.records import PRIORITY_NAMES, Handoff
from handoff.summary import QUOTE_CHARS, ContactLine, QuotedReason, Summary, Tried

UNKNOWN_CUSTOMER = "Unknown customer"
TREND_SHOWN = 5  # the latest frustration levels shown


@dataclass(frozen=True)
class DeskSummary:
    """What the conversation page's summary card shows, each part ready to print."""

    customer: str  # name, else e-mail, else id, else "Unknown customer"
    email: str  # shown beside the name ("" when there is no name or no e-mail)
    customer_id: str
    unverified: bool  # identity details given by the website without a valid signature
    contacts: str  # "2 earlier contact(s)", "says they asked before (none on record)" or "first contact"
    possible_contacts: int  # conversations sharing only an unverified identity
    issue: str
    category: str  # "refunds / complaint"
    facts: tuple[tuple[str, str], ...]  # (kind, values joined), given in chat, not verified
    reasons: tuple[QuotedReason, ...]
    tried: tuple[Tried, ...]
    frustration: str  # "rising → high", "" when the customer was never upset
    added: tuple[str, ...]
    suggested: tuple[str, ...]  # titles of the entries likely to help


@dataclass(frozen=True)
class QueueCard:
    """The summary's part of a queue row."""

    customer: str  # "" when nothing is known
    unverified: bool
    issue: str
    category: str  # the KB category alone ("refunds"), matched against agents' skills


def _name(summary: Summary) -> str:
    who = summary.who
    return who.name or who.email or who.customer_id or UNKNOWN_CUSTOMER


def _contacts(summary: Summary, staff: bool = True) -> str:
    count = summary.who.earlier_contacts
    if count:
        return f"{count} earlier contact(s)"
    if summary.who.says_asked_before:
        # The customer's word is passed on; only staff read that no earlier contact was found.
        return "says they asked before" + (" (none on record)" if staff else "")
    return "first contact"


def _frustration(summary: Summary) -> str:
    # Shown only when the customer was upset at some point; then the latest levels, calm ones too.
    if all(level == "none" for level in summary.trend):
        return ""
    return " → ".join(summary.trend[-TREND_SHOWN:])


def _facts(summary: Summary) -> tuple[tuple[str, str], ...]:
    return tuple((kind, ", ".join(values)) for kind, values in summary.facts.items())


def _reason(reason: QuotedReason) -> str:
    return reason.detail + (f": {quoted(reason.quote, QUOTE_CHARS)}" if reason.quote else "")


def for_desk_page(summary: Summary) -> DeskSummary:
    """The summary card of the desk's conversation page."""
    who = summary.who
    return DeskSummary(
        customer=_name(summary), email=who.email if who.name else "", customer_id=who.customer_id,
        unverified=not who.verified and bool(who.name or who.email or who.customer_id),
        contacts=_contacts(summary), possible_contacts=who.possible_contacts,
        issue=summary.issue, category=summary.category_label, facts=_facts(summary),
        reasons=summary.reasons, tried=summary.tried, frustration=_frustration(summary),
        added=summary.added, suggested=tuple(s.title for s in summary.suggested),
    )


def for_queue_card(summary: Summary) -> QueueCard:
    """The summary's part of a row in the desk's queue."""
    who = summary.who
    return QueueCard(customer=who.name or who.email or who.customer_id, unverified=not who.verified,
                     issue=summary.issue, category=summary.category)


def for_widget(summary: Summary) -> str:
    """"What I've passed on", in a few short lines: who, their question, facts, what was tried, what they added.

    About their problem only: the customer reads what the agent will work from, not our reading of
    their mood (no reasons for the handoff, no frustration trend, no "upset" or "complaint").
    """
    who = summary.who
    lines = [_name(summary) + (f" ({who.email})" if who.email and who.name else "")
             + f", {_contacts(summary, staff=False)}"]
    if summary.question:
        lines.append(f"Asking: {summary.question}" + (f" [{summary.category}]" if summary.category else ""))
    if summary.facts:
        lines.append("Facts: " + "; ".join(f"{kind}: {values}" for kind, values in _facts(summary)))
    if summary.tried:
        lines.append("Bot tried: " + "; ".join(f"{t.title} ({t.reaction})" for t in summary.tried))
    if summary.added:
        lines.append("Customer added: " + "; ".join(quoted(text, QUOTE_CHARS) for text in summary.added))
    return "\n".join(lines)


def _contact_line(contact: ContactLine) -> str:
    return f"- {contact.when}: {contact.topic or '(no topic)'} ({contact.outcome}" + (
        f", {contact.ticket})" if contact.ticket else ")")


def _answer_lines(answer: ShownAnswer) -> list[str]:
    changed = f"; {answer.since}" if answer.since else ""
    head = f"- answer as of {answer.as_of}, entry {answer.entry_id} (version {answer.version}){changed}:"
    return [head, *(f"  | {line}" for line in answer.text.splitlines())]


def for_ticket_email(handoff: Handoff, answers: Sequence[ShownAnswer] = ()) -> str:
    """The ticket as plain text, for whoever answers it by e-mail or takes it elsewhere.

    The team's copy: it carries what the desk shows (priority, reasons, unverified identities),
    so it is given only to desk users who may open the conversation. `answers`: the KB answers
    the customer read (handoff.provenance), word for word.
    """
    summary, who = handoff.summary, handoff.summary.who
    card = for_desk_page(summary)
    priority = PRIORITY_NAMES.get(handoff.priority, str(handoff.priority))
    lines = [f"Ticket {handoff.ticket} ({handoff.state}, {priority} priority)",
             f"Opened {when(handoff.created_at)}, reply due by {when(handoff.deadline_at)}"]
    if handoff.contact_details:
        lines.append(f"Contact details: {handoff.contact_details}")
    lines += ["", "Customer: " + card.customer + (f" ({card.email})" if card.email else "")
              + (f", id {who.customer_id}" if who.customer_id else "")
              + (", given by the website, not verified" if card.unverified else "") + f", {card.contacts}"]
    lines += [f"Issue: {summary.issue}", f"Category: {card.category}"]
    if card.facts:
        lines.append("Facts (given in chat, not verified): " + "; ".join(f"{k}: {v}" for k, v in card.facts))
    if summary.tried:
        lines.append("Bot tried: " + "; ".join(f"{t.title} (customer: {t.reaction})" for t in summary.tried))
    lines.append("Why handed off: " + ("; ".join(_reason(r) for r in summary.reasons) or "-"))
    if summary.added:
        lines.append("Customer added: " + "; ".join(quoted(text, QUOTE_CHARS) for text in summary.added))
    if card.frustration:
        lines.append(f"Frustration: {card.frustration}")
    if card.suggested:
        lines.append("Might help: " + "; ".join(card.suggested))
    if summary.earlier:
        lines += ["Earlier contacts:", *map(_contact_line, summary.earlier)]
    if summary.possible:
        lines += ["Possibly the same customer (not verified):", *map(_contact_line, summary.possible)]
    if answers:
        lines += ["Answers the customer read (word for word):", *(x for a in answers for x in _answer_lines(a))]
    return "\n".join(lines) + "\n"
