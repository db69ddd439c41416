"""The context summary an agent reads in ten seconds (built from the conversation, no language model).

`Summary` is a typed, frozen value: `build_summary` makes it at the handoff, `add_to_summary`
adds what the customer says while waiting. How each audience sees it lives in
`handoff.summary_views`; `to_dict`/`from_dict` are used only where the handoff record is stored.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from customers.contacts import Contact
from customers.echo import clip, quoted
from customers.facts import extract_facts, merge_facts
from detection.signals import asked_before
from handoff.turns import TurnRecord

QUOTE_CHARS = 160
ADDED_LIMIT = 10  # the latest things the customer added while waiting
# Turns that carry the customer's problem (not "yes", "thanks", button presses).
PROBLEM_OUTCOMES = ("answer", "clarify", "dont_know", "handoff")
# Handoff reasons that say nothing about the customer's mood.
CALM_REASONS = ("human_request", "outage")

Kind = Literal["complaint", "enquiry", ""]  # "": a stored summary that named no kind


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
    # sees them marked "not verified"; what the customer is read back never mentions them.
    possible: list[Contact] = field(default_factory=list)


@dataclass(frozen=True)
class Who:
    """Who the customer is, as far as the conversation and the contact history tell."""

    name: str = ""
    email: str = ""
    customer_id: str = ""
    earlier_contacts: int = 0
    earlier_outcomes: Mapping[str, int] = field(default_factory=dict)
    # False: the name, e-mail and id were given by the website without a valid signature.
    # True by default: records stored before identities were checked carry no flag and are
    # shown as they were then, without the warning.
    verified: bool = True
    possible_contacts: int = 0
    # The customer said they asked before ("third time I'm asking"): a repeat contact, on record or not.
    says_asked_before: bool = False


@dataclass(frozen=True)
class Tried:
    """A KB entry the bot showed, and how the customer reacted to it ("yes", "no", "none")."""

    entry: str
    title: str
    reaction: str = "none"


@dataclass(frozen=True)
class QuotedReason:
    """Why the conversation was handed off, with the customer's words (plain text, clipped)."""

    kind: str
    detail: str
    quote: str = ""


@dataclass(frozen=True)
class Suggestion:
    """A KB entry likely to help the agent."""

    id: str
    title: str


@dataclass(frozen=True)
class ContactLine:
    """An earlier conversation in one line: how long ago, about what, how it ended, its ticket."""

    when: str
    topic: str
    outcome: str
    ticket: str = ""


@dataclass(frozen=True)
class Summary:
    """The summary's parts; every field has a default so older stored summaries still load."""

    who: Who = field(default_factory=Who)
    issue: str = ""  # "Customer asking: “...”" or "Upset customer asking: “...”"
    question: str = ""  # the customer's words alone, quoted: "“...”"
    category: str = ""  # the KB category of the entry shown most ("refunds"); "" if unknown
    kind: Kind = ""
    facts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # given in chat, not verified
    tried: tuple[Tried, ...] = ()
    reasons: tuple[QuotedReason, ...] = ()
    added: tuple[str, ...] = ()  # what the customer added while waiting, oldest first
    trend: tuple[str, ...] = ()  # frustration level per turn
    suggested: tuple[Suggestion, ...] = ()
    earlier: tuple[ContactLine, ...] = ()
    possible: tuple[ContactLine, ...] = ()  # sharing only an unverified identity: staff only

    @property
    def category_label(self) -> str:
        """"refunds / complaint", as the desk has always shown it."""
        return f"{self.category} / {self.kind}" if self.kind else self.category

    def to_dict(self) -> dict[str, Any]:
        """The stored JSON shape (the one handoffs have always been stored with, less `text`)."""
        return {
            "who": asdict(self.who),
            "issue": self.issue,
            "question": self.question,
            "category": self.category_label,
            "facts": {k: list(v) for k, v in self.facts.items()},
            "tried": [asdict(t) for t in self.tried],
            "reasons": [asdict(r) for r in self.reasons],
            "added": list(self.added),
            "trend": list(self.trend),
            "suggested": [asdict(s) for s in self.suggested],
            "earlier": [asdict(c) for c in self.earlier],
            "possible": [asdict(c) for c in self.possible],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Summary:
        """A stored summary; missing fields take their defaults, unknown ones (the old `text`) are dropped."""
        who = data.get("who") or {}
        category, _, kind = str(data.get("category", "")).partition(" / ")
        return cls(
            who=Who(
                name=str(who.get("name", "")), email=str(who.get("email", "")),
                customer_id=str(who.get("customer_id", "")), earlier_contacts=int(who.get("earlier_contacts", 0)),
                earlier_outcomes={str(k): int(v) for k, v in (who.get("earlier_outcomes") or {}).items()},
                verified=bool(who.get("verified", True)), possible_contacts=int(who.get("possible_contacts", 0)),
                says_asked_before=bool(who.get("says_asked_before", False)),
            ),
            issue=str(data.get("issue", "")),
            question=str(data.get("question", "")),
            category=category.strip(),
            kind=_kind(kind.strip()),
            facts={str(k): tuple(map(str, v)) for k, v in (data.get("facts") or {}).items() if v},
            tried=tuple(Tried(str(t.get("entry", "")), str(t.get("title", "")), str(t.get("reaction", "none")))
                        for t in data.get("tried") or []),
            reasons=tuple(QuotedReason(str(r.get("kind", "")), str(r.get("detail", "")), str(r.get("quote", "")))
                          for r in data.get("reasons") or []),
            added=tuple(map(str, data.get("added") or [])),
            trend=tuple(map(str, data.get("trend") or [])),
            suggested=tuple(Suggestion(str(s.get("id", "")), str(s.get("title", "")))
                            for s in data.get("suggested") or []),
            earlier=_lines(data.get("earlier")),
            possible=_lines(data.get("possible")),
        )


def _kind(value: str) -> Kind:
    return "complaint" if value == "complaint" else "enquiry" if value == "enquiry" else ""


def _lines(stored: Any) -> tuple[ContactLine, ...]:
    return tuple(ContactLine(str(c.get("when", "")), str(c.get("topic", "")), str(c.get("outcome", "")),
                             str(c.get("ticket", ""))) for c in stored or [])


def _quote(text: str) -> str:
    # The summary is read back to the customer ("what I've passed on"): plain text only.
    return clip(text, QUOTE_CHARS)


def _ago(seconds: float) -> str:
    hours = seconds / 3600
    return f"{hours / 24:.0f} days ago" if hours >= 36 else f"{max(hours, 0.1):.0f} h ago" if hours >= 1 else "today"


def _contacts(contacts: list[Contact], now: float) -> tuple[ContactLine, ...]:
    return tuple(ContactLine(_ago(now - c.started_at), _quote(c.topic), c.effective_outcome(now), c.ticket)
                 for c in contacts)


def _facts(facts: Mapping[str, list[str]]) -> dict[str, tuple[str, ...]]:
    return {k: tuple(v) for k, v in facts.items() if v}


def build_summary(data: SummaryInput, now: float | None = None) -> Summary:
    """The summary of a conversation being handed to people."""
    now = now or time.time()
    problem_turns = [t for t in data.turns
                     if t.outcome in PROBLEM_OUTCOMES and t.text.strip() and not t.text.startswith("/")]
    first = problem_turns[0].text if problem_turns else (data.turns[0].text if data.turns else "")
    facts: dict[str, list[str]] = {}
    for turn in data.turns:
        facts = merge_facts(facts, extract_facts(turn.text))
    shown = [e for t in data.turns for e in t.entries]
    main_entry = Counter(shown).most_common(1)[0][0] if shown else ""
    upset = any(r["kind"] not in CALM_REASONS for r in data.reasons) or any(t.level != "none" for t in data.turns)
    who = Who(
        name=data.customer.get("name", ""), email=data.customer.get("email", ""),
        customer_id=data.customer.get("id", ""), earlier_contacts=len(data.earlier),
        earlier_outcomes=dict(Counter(c.effective_outcome(now) for c in data.earlier)),
        verified=bool(data.customer.get("verified")), possible_contacts=len(data.possible),
        says_asked_before=any(asked_before(turn.text) for turn in data.turns),
    )
    tried = []
    for index, turn in enumerate(data.turns):
        reaction = data.turns[index + 1].feedback if index + 1 < len(data.turns) else ""
        tried += [Tried(e, data.titles.get(e, (e, ""))[0], reaction or "none") for e in turn.entries]
    question = quoted(first, QUOTE_CHARS)
    return Summary(
        who=who,
        issue=f"{'Upset customer' if upset else 'Customer'} asking: {question}",
        question=question,
        category=data.titles.get(main_entry, ("", "general"))[1],
        kind="complaint" if upset else "enquiry",
        facts=_facts(facts),
        tried=tuple(tried),
        reasons=tuple(QuotedReason(r["kind"], r["detail"], _quote(r.get("quote", ""))) for r in data.reasons),
        trend=tuple(t.level for t in data.turns),
        suggested=tuple(Suggestion(e, data.titles.get(e, (e, ""))[0]) for e in data.suggested),
        earlier=_contacts(data.earlier, now),
        possible=_contacts(data.possible, now),
    )


def add_to_summary(summary: Summary, text: str) -> Summary:
    """The summary with what the customer added while waiting (masked, facts merged)."""
    facts = merge_facts({k: list(v) for k, v in summary.facts.items()}, extract_facts(text))
    return replace(summary, added=(*summary.added, _quote(text))[-ADDED_LIMIT:], facts=_facts(facts))
