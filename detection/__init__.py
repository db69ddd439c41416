"""Detects frustration, abuse, legal threats and requests for a person in customer messages.

Pure Python and deterministic (word lists and patterns in `lexicon`, no model), so it is fast
enough to run on every message and its decisions can be explained with quotes.

    from detection import Turn, assess
    assessment = assess([Turn("where is my order"), Turn("WHERE IS MY ORDER???")])
    assessment.level, assessment.hand_off, assessment.reasons
"""

from detection.frustration import Assessment, Reason, Turn, assess
from detection.signals import wants_human

__all__ = ["Assessment", "Reason", "Turn", "assess", "wants_human"]
