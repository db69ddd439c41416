"""Password hashing and the user store / command."""

from __future__ import annotations

import io

import pytest

from desk import users as users_module
from desk.passwords import hash_password, verify_password
from desk.users import UserStore


def test_a_password_verifies_and_a_wrong_one_does_not():
    stored = hash_password("s3cret-enough")
    assert stored.startswith("scrypt$") and "s3cret-enough" not in stored
    assert verify_password("s3cret-enough", stored)
    assert not verify_password("s3cret-enougH", stored)


def test_each_hash_has_its_own_salt():
    assert hash_password("same password") != hash_password("same password")


@pytest.mark.parametrize("stored", ["", "plain", "md5$1$2$3$aa$bb", "scrypt$x$8$1$aa$bb", "scrypt$16384$8$1$zz$bb"])
def test_malformed_hashes_never_verify(stored):
    assert not verify_password("anything", stored)


def test_authenticate_gives_nothing_away(redis_client):
    store = UserStore(redis_client)
    store.create("alice", "long enough", "agent", "Alice")
    assert store.authenticate("alice", "long enough").display_name == "Alice"
    assert store.authenticate("alice", "wrong") is None
    assert store.authenticate("nobody", "long enough") is None
    assert store.authenticate("../../etc", "x") is None


@pytest.mark.parametrize("name, password, role", [("Bad Name", "long enough", "agent"),
                                                   ("ok", "short", "agent"), ("ok", "long enough", "root")])
def test_create_rejects_bad_input(redis_client, name, password, role):
    with pytest.raises(ValueError):
        UserStore(redis_client).create(name, password, role)


def test_the_command_creates_a_user_with_the_password_from_stdin(redis_url, redis_client, monkeypatch, capsys):
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("EMBEDDING_MODEL", "unused")
    monkeypatch.setattr("sys.stdin", io.StringIO("piped password\n"))
    assert users_module.main(["create", "alice", "--role", "supervisor", "--display-name", "Alice",
                              "--skills", "payments,delivery"]) == 0
    user = UserStore(redis_client).authenticate("alice", "piped password")
    assert user is not None and user.role == "supervisor" and user.display_name == "Alice"
    assert "piped password" not in capsys.readouterr().out
    assert users_module.main(["list"]) == 0
    assert "alice\tsupervisor\tAlice\tpayments,delivery" in capsys.readouterr().out
