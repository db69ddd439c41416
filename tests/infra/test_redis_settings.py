"""REDIS_URL's two forms: one server, or Redis Sentinel (infra.settings.RedisSettings)."""

from __future__ import annotations

import pytest

from infra.settings import RedisSettings


def test_a_sentinel_url_names_the_sentinels_the_service_the_database_and_the_password():
    settings = RedisSettings("redis+sentinel://:s%40cret@10.0.0.1:26380,10.0.0.2,sentinel-c:5000/support/2")
    assert settings.sentinel
    assert settings.sentinels == [("10.0.0.1", 26380), ("10.0.0.2", 26379), ("sentinel-c", 5000)]
    assert (settings.service_name, settings.db, settings.password) == ("support", 2, "s@cret")
    assert settings.sentinel_password == ""


def test_the_database_defaults_to_0_and_sentinels_may_have_a_password_of_their_own():
    settings = RedisSettings("redis+sentinel://127.0.0.1:26379/support?sentinel_password=other")
    assert (settings.db, settings.password, settings.sentinel_password) == (0, "", "other")


def test_a_plain_url_is_one_server():
    settings = RedisSettings("redis://:pw@redis.internal:6380/3")
    assert not settings.sentinel
    assert (settings.host, settings.port, settings.db, settings.password) == ("redis.internal", 6380, 3, "pw")


@pytest.mark.parametrize("url", [
    "redis+sentinel://127.0.0.1:26379",  # no service name
    "redis+sentinel://127.0.0.1:26379/0",  # a database where the service name goes
    "redis+sentinel:///support",  # no sentinel
    "redis+sentinel://127.0.0.1:port/support",
    "redis+sentinel://127.0.0.1/support/zero",
])
def test_a_malformed_sentinel_url_fails_when_read_without_showing_the_password(url: str):
    with pytest.raises(ValueError, match="REDIS_URL"):
        RedisSettings(url)
    with pytest.raises(ValueError) as raised:
        RedisSettings(url.replace("://", "://:hunter2@"))
    assert "hunter2" not in str(raised.value)
