"""How conversations with a question ended: the figure a support bot is judged by.

From the contact history (customers.contacts): of the conversations where the customer asked
something (or asked for a person), how many the customer confirmed the bot answered, how many
went to a person, and how many ended without a word either way (an answer may still have
helped: those customers just left).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from customers.contacts import Contact


@dataclass(frozen=True)
class ConversationFigures:
    """Conversations with a question over a period, by how they ended."""

    conversations: int
    answered: int  # the customer said an answer helped, and no person was needed
    handed_off: int
    unconfirmed: int  # left, or still going, without saying

    def share(self, count: int) -> float | None:
        return count / self.conversations if self.conversations else None


def conversation_figures(contacts: Sequence[Contact], now: float) -> ConversationFigures:
    """The figures for `contacts` (those with neither a question nor a handoff are left out)."""
    asked = [c for c in contacts if c.topic or c.outcome == "handed_off"]
    outcomes = [c.effective_outcome(now) for c in asked]
    answered, handed_off = outcomes.count("resolved"), outcomes.count("handed_off")
    return ConversationFigures(len(asked), answered, handed_off, len(asked) - answered - handed_off)
