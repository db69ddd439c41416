"""The reply kinds: what the bot did with a question, and the outcome a turn records.

Decided by the KB (kb.decide), recorded in the turn log (handoff.turns), read by frustration
detection ("don't know" streaks), the summary and the reports. Standard library only, like the rest
of `protocol`, so every layer can name them.
"""

from __future__ import annotations

from typing import Final, Literal

ReplyKind = Literal["answer", "clarify", "dont_know"]
ANSWER: Final = "answer"
CLARIFY: Final = "clarify"
DONT_KNOW: Final = "dont_know"
REPLY_KINDS: Final = frozenset({ANSWER, CLARIFY, DONT_KNOW})
