"""Desk users in Redis, and the command that manages them.

    python -m desk.users create NAME --role agent --display-name "Alice" --skills payments,returns
        # the password from stdin or a prompt; skills are KB categories the agent knows best
    python -m desk.users list

Users live in the Redis hash `desk:users` (name -> JSON); passwords only as scrypt hashes.
"""

from __future__ import annotations

import argparse
import getpass
import json
import re
import sys
from dataclasses import asdict, dataclass

import redis

from desk.passwords import DUMMY_HASH, hash_password, verify_password
from desk.roles import ROLES
from infra.redis_client import connect
from infra.settings import load_settings

USERS_KEY = "desk:users"
NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
SKILL = re.compile(r"^[a-z0-9][a-z0-9 _-]{0,39}$")  # a KB category, e.g. "payments"
MIN_PASSWORD_CHARS = 8


@dataclass(frozen=True)
class User:
    """A desk user; `name` logs in and is what handoffs record, `display_name` is what customers see."""

    name: str
    display_name: str
    role: str
    password_hash: str
    skills: tuple[str, ...] = ()  # KB categories whose handoffs suit this agent best

    def __post_init__(self) -> None:
        object.__setattr__(self, "skills", tuple(self.skills))  # JSON gives a list


class UserStore:
    """Reads and writes desk users."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def get(self, name: str) -> User | None:
        raw = self._redis.hget(USERS_KEY, name)
        return User(**json.loads(raw)) if raw else None

    def all(self) -> list[User]:
        """Every user, by name."""
        return sorted((User(**json.loads(v)) for v in self._redis.hvals(USERS_KEY)), key=lambda u: u.name)

    def create(self, name: str, password: str, role: str, display_name: str = "", skills: tuple[str, ...] = ()) -> User:
        """Add or replace a user; ValueError on a bad name, role, skill or too short a password."""
        if not NAME.match(name):
            raise ValueError("a user name is 1-40 lowercase letters, digits, '.', '_' or '-'")
        if role not in ROLES:
            raise ValueError(f"the role must be one of: {', '.join(ROLES)}")
        if len(password) < MIN_PASSWORD_CHARS:
            raise ValueError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
        skills = tuple(dict.fromkeys(s.strip().lower() for s in skills if s.strip()))
        if not all(SKILL.match(s) for s in skills):
            raise ValueError("a skill is a KB category: 1-40 lowercase letters, digits, spaces, '_' or '-'")
        user = User(name, display_name.strip() or name, role, hash_password(password), skills)
        self._redis.hset(USERS_KEY, name, json.dumps(asdict(user)))
        return user

    def authenticate(self, name: str, password: str) -> User | None:
        """The user if the password matches; unknown names cost the same time as wrong passwords."""
        user = self.get(name) if NAME.match(name) else None
        matched = verify_password(password, user.password_hash if user else DUMMY_HASH)
        return user if user and matched else None


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Again: "):
        raise ValueError("the passwords differ")
    return first


def main(argv: list[str] | None = None) -> int:
    """The `python -m desk.users` command."""
    parser = argparse.ArgumentParser(prog="python -m desk.users", description="Manage agent desk users.")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="add a user or replace one (password from stdin or a prompt)")
    create.add_argument("name")
    create.add_argument("--role", choices=ROLES, default="agent")
    create.add_argument("--display-name", default="", help="the name customers see (default: NAME)")
    create.add_argument("--skills", default="", help="comma-separated KB categories (e.g. payments,returns)")
    commands.add_parser("list", help="list the users")
    args = parser.parse_args(argv)
    store = UserStore(connect(load_settings().redis))
    if args.command == "list":
        for user in store.all():
            print(f"{user.name}\t{user.role}\t{user.display_name}\t{','.join(user.skills)}")
        return 0
    try:
        user = store.create(args.name, _read_password(), args.role, args.display_name, tuple(args.skills.split(",")))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"saved {user.name} ({user.role}, shown as {user.display_name!r})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
