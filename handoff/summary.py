"""The context summary an agent reads in ten seconds (built from the conversation, no language model)."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from customers.contacts import Contact
from customers.echo import clip, quoted
from customers.facts import extract_facts, merge_facts
from handoff.turns import TurnRecord

QUOTE_CHARS = 160
# Turns that carry the customer's problem (not "yes", "thanks", button presses).
PROBLEM_OUTCOMES = ("answer", "clarify", "dont_know", "handoff")
# Handoff reasons that say nothing about the customer's mood.
CALM_REASONS = ("human_request", "outage")


@dataclass(frozen=True)
class SummaryInput:
    """Everything the summary is built from."""

    customer: dict[str, Any]
    turns: list[TurnRecord]
    earlier: list[Contact]
    reasons: list[dict[str, str]]
    titles: dict[str, tuple[str, str]]  # entry id -> (title, category)
    suggested: list[str] = field(default_factory=list)  # entry ids likely to help the agent
    # Conversations sharing only an unverified identity (an e-mail typed in the chat): the agent
    # sees them marked "not verified"; `text`, which the customer is read back, never mentions them.
    possible: list[Contact] = field(default_factory=list)


def _quote(text: str) -> str:
    # The summary is read back to the customer ("what I've passed on"): plain text only.
    return clip(text, QUOTE_CHARS)


def _ago(seconds: float) -> str:
    hours = seconds / 3600
    return f"{hours / 24:.0f} days ago" if hours >= 36 else f"{max(hours, 0.1):.0f} h ago" if hours >= 1 else "today"


def _contacts(contacts: list[Contact], now: float) -> list[dict[str, str]]:
    return [{"when": _ago(now - c.started_at), "topic": _quote(c.topic), "outcome": c.effective_outcome(now), "ticket": c.ticket}
            for c in contacts]


def build_summary(data: SummaryInput, now: float | None = None) -> dict[str, Any]:
    """The summary as structured fields plus `text`, the same thing in a few short lines."""
    now = now or time.time()
    problem_turns = [t for t in data.turns if t.outcome in PROBLEM_OUTCOMES and t.text.strip() and not t.text.startswith("/")]
    first = problem_turns[0].text if problem_turns else (data.turns[0].text if data.turns else "")
    facts: dict[str, list[str]] = {}
    for turn in data.turns:
        facts = merge_facts(facts, extract_facts(turn.text))
    shown = [e for t in data.turns for e in t.entries]
    main_entry = Counter(shown).most_common(1)[0][0] if shown else ""
    category = data.titles.get(main_entry, ("", "general"))[1]
    upset = any(r["kind"] not in CALM_REASONS for r in data.reasons) or any(t.level != "none" for t in data.turns)
    kind = "complaint" if upset else "enquiry"
    who = {
        "name": data.customer.get("name", ""), "email": data.customer.get("email", ""),
        "customer_id": data.customer.get("id", ""), "earlier_contacts": len(data.earlier),
        "earlier_outcomes": dict(Counter(c.effective_outcome(now) for c in data.earlier)),
        # False: the name, e-mail and id were given by the website without a valid signature.
        "verified": bool(data.customer.get("verified")), "possible_contacts": len(data.possible),
    }
    tried = []
    for index, turn in enumerate(data.turns):
        reaction = data.turns[index + 1].feedback if index + 1 < len(data.turns) else ""
        tried += [{"entry": e, "title": data.titles.get(e, (e, ""))[0], "reaction": reaction or "none"} for e in turn.entries]
    summary = {
        "who": who,
        "issue": f"{'Upset customer' if upset else 'Customer'} asking: {quoted(first, QUOTE_CHARS)}",
        "category": f"{category} / {kind}",
        "facts": {k: v for k, v in facts.items() if v},
        "tried": tried,
        "reasons": [{**r, "quote": _quote(r.get("quote", ""))} for r in data.reasons],
        "trend": [t.level for t in data.turns],
        "suggested": [{"id": e, "title": data.titles.get(e, (e, ""))[0]} for e in data.suggested],
        "earlier": _contacts(data.earlier, now),
        "possible": _contacts(data.possible, now),
    }
    summary["text"] = summary_text(summary)
    return summary


def add_to_summary(summary: dict[str, Any], text: str) -> dict[str, Any]:
    """The summary with what the customer added while waiting (masked, facts merged)."""
    added = [*summary.get("added", []), _quote(text)]
    facts = merge_facts(summary.get("facts", {}), extract_facts(text))
    updated = {**summary, "added": added[-10:], "facts": {k: v for k, v in facts.items() if v}}
    updated["text"] = summary_text(updated)
    return updated


def summary_text(summary: dict[str, Any]) -> str:
    """A few short lines: who, the issue, facts, what was tried, why it was handed off."""
    who = summary["who"]
    name = who["name"] or who["email"] or who["customer_id"] or "Unknown customer"
    lines = [f"{name}" + (f" ({who['email']})" if who["email"] and who["name"] else "")
             + (f", {who['earlier_contacts']} earlier contact(s)" if who["earlier_contacts"] else ", first contact")]
    lines.append(f"{summary['issue']} [{summary['category']}]")
    if summary["facts"]:
        lines.append("Facts: " + "; ".join(f"{k}: {', '.join(v)}" for k, v in summary["facts"].items()))
    if summary["tried"]:
        lines.append("Bot tried: " + "; ".join(f"{t['title']} ({t['reaction']})" for t in summary["tried"]))
    if summary["reasons"]:
        lines.append("Handed off: " + "; ".join(
            r["detail"] + (f": {quoted(r['quote'], QUOTE_CHARS)}" if r["quote"] else "") for r in summary["reasons"]
        ))
    if summary.get("added"):
        lines.append("Customer added: " + "; ".join(quoted(text, QUOTE_CHARS) for text in summary["added"]))
    trend = [level for level in summary["trend"] if level != "none"]
    if trend:
        lines.append("Frustration: " + " → ".join(summary["trend"][-5:]))
    return "\n".join(lines)
