"""Desk users in Redis, and the command that manages them.

    python -m desk.users create NAME --role agent --display-name "Alice" --skills payments,returns
        # the password from stdin or a prompt; skills are KB categories the agent knows best
    python -m desk.users list
    python -m desk.users passwd NAME         # a new password (stdin or a prompt); ends NAME's sessions
    python -m desk.users remove NAME         # the user and their sessions
    python -m desk.users end-sessions NAME   # logs NAME out everywhere at once
    python -m desk.users unlock NAME         # lifts a lock after failed logins (--address ADDR: an address's)

Users live in the Redis hash `desk:users` (name -> JSON); passwords only as scrypt hashes. Replacing
a user (a new password, role or skills) or removing one ends their sessions (desk.sessions).
"""

from __future__ import annotations

import argparse
import getpass
import json
import re
import sys
from dataclasses import asdict, dataclass, replace

import redis

from desk.passwords import DUMMY_HASH, hash_password, verify_password
from desk.roles import ROLES
from desk.sessions import SessionStore
from desk.throttle import LoginThrottle
from infra.redis_client import connect
from infra.settings import load_settings

USERS_KEY = "desk:users"
NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
SKILL = re.compile(r"^[a-z0-9][a-z0-9 _-]{0,39}$")  # a KB category, e.g. "payments"
MIN_PASSWORD_CHARS = 8


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")


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
        self._sessions = SessionStore(client)

    def get(self, name: str) -> User | None:
        raw = self._redis.hget(USERS_KEY, name)
        return User(**json.loads(raw)) if raw else None

    def all(self) -> list[User]:
        """Every user, by name."""
        return sorted((User(**json.loads(v)) for v in self._redis.hvals(USERS_KEY)), key=lambda u: u.name)

    def create(self, name: str, password: str, role: str, display_name: str = "", skills: tuple[str, ...] = ()) -> User:
        """Add or replace a user, ending every session of that name; ValueError on a bad name, role,
        skill or too short a password."""
        if not NAME.match(name):
            raise ValueError("a user name is 1-40 lowercase letters, digits, '.', '_' or '-'")
        if role not in ROLES:
            raise ValueError(f"the role must be one of: {', '.join(ROLES)}")
        _check_password(password)
        skills = tuple(dict.fromkeys(s.strip().lower() for s in skills if s.strip()))
        if not all(SKILL.match(s) for s in skills):
            raise ValueError("a skill is a KB category: 1-40 lowercase letters, digits, spaces, '_' or '-'")
        user = User(name, display_name.strip() or name, role, hash_password(password), skills)
        self._save(user)
        return user

    def set_password(self, name: str, password: str, keep_session: str | None = None) -> None:
        """A new password for an existing user, ending their sessions (but `keep_session`, the one
        changing it, if any); KeyError if there is no such user, ValueError if it is too short."""
        user = self.get(name)
        if user is None:
            raise KeyError(name)
        _check_password(password)
        self._save(replace(user, password_hash=hash_password(password)), keep_session)

    def _save(self, user: User, keep_session: str | None = None) -> None:
        self._redis.hset(USERS_KEY, user.name, json.dumps(asdict(user)))
        # Replaced (a new password, role or skills), or created under a name that may have been a
        # removed user's: no session started before may outlive the old one or pass as the new one.
        self._sessions.end_all(user.name, keep_session)

    def remove(self, name: str) -> bool:
        """Remove a user and end their sessions; False if there was none."""
        removed = bool(self._redis.hdel(USERS_KEY, name))
        # Only after the user is gone: a login racing the removal then either fails or is ended here.
        self._sessions.end_all(name)
        return removed

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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m desk.users", description="Manage agent desk users.")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="add a user or replace one (password from stdin or a prompt)")
    create.add_argument("name")
    create.add_argument("--role", choices=ROLES, default="agent")
    create.add_argument("--display-name", default="", help="the name customers see (default: NAME)")
    create.add_argument("--skills", default="", help="comma-separated KB categories (e.g. payments,returns)")
    commands.add_parser("list", help="list the users")
    for command, text in (("passwd", "set a user's password (stdin or a prompt) and end their sessions"),
                          ("remove", "remove a user and end their sessions"),
                          ("end-sessions", "log a user out everywhere at once")):
        commands.add_parser(command, help=text).add_argument("name")
    unlock = commands.add_parser("unlock", help="lift the lock after failed logins on an account (or --address)")
    unlock.add_argument("name", nargs="?", default="")
    unlock.add_argument("--address", default="", help="lift a client address's lock instead")
    return parser


def _run(args: argparse.Namespace, client: redis.Redis) -> str:
    """Carry out one command; what to print. ValueError/KeyError: refused."""
    store = UserStore(client)
    if args.command == "list":
        return "\n".join(f"{u.name}\t{u.role}\t{u.display_name}\t{','.join(u.skills)}" for u in store.all())
    if args.command == "create":
        user = store.create(args.name, _read_password(), args.role, args.display_name, tuple(args.skills.split(",")))
        return f"saved {user.name} ({user.role}, shown as {user.display_name!r})"
    if args.command == "passwd":
        store.set_password(args.name, _read_password())
        return f"new password saved for {args.name}; their sessions are ended"
    if args.command == "remove":
        if not store.remove(args.name):
            raise KeyError(args.name)
        return f"removed {args.name}; their sessions are ended"
    if args.command == "end-sessions":
        return f"ended {SessionStore(client).end_all(args.name)} session(s) of {args.name}"
    if bool(args.name) == bool(args.address):
        raise ValueError("give a user name or --address, not both")
    LoginThrottle(client).unlock(f"user:{args.name}" if args.name else f"addr:{args.address}", by="command line")
    return f"unlocked {args.name or args.address}"


def main(argv: list[str] | None = None) -> int:
    """The `python -m desk.users` command."""
    args = _parser().parse_args(argv)
    try:
        output = _run(args, connect(load_settings().redis))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyError as error:
        print(f"error: no user {error}", file=sys.stderr)
        return 1
    if output:
        print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
