"""Fixtures of the turn's tests (tests/conversation/turn_fixtures.py)."""

from tests.conversation.turn_fixtures import encoder, fitted, config, redis_down, services  # noqa: F401
