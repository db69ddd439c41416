"""The action server's shared objects: made once from the settings, on first use."""

from __future__ import annotations

from actions import runtime
from conversation.context import Services
from tests.conversation.turn_fixtures import SECRET


def test_services_are_made_once_from_the_environment(action_server: Services, redis_url: str, tmp_path) -> None:
    made = runtime.services()
    assert made.settings.redis_url == redis_url and made.identity_secret == SECRET
    assert made.journal.path == tmp_path / "outage-journal.jsonl"
    again = runtime.services()
    assert again.redis is made.redis and again.knowledge_base is made.knowledge_base
    assert made.redis.ping()
