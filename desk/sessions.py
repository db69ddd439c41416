"""Desk sessions kept in Redis, so logging out, a password change or an admin ends them at once.

The browser's cookie (Starlette's signed `desk_session`, see desk.auth) carries only a random
session id once logged in (before login: the login form's CSRF token, nothing else). Everything
the session means lives here, shared by every desk replica:

    desk:session:{id}         hash: user, csrf (the session's CSRF token), created (epoch seconds);
                              expires SESSION_SECONDS after login (absolute, not renewed by use)
    desk:user-sessions:{user} set of the user's session ids, to end them all; expires with the
                              newest session, and ids whose session expired are pruned as it is read

A session id is 256 random bits; an id that is not in Redis (logged out, ended, expired) is no
session at all, whatever the cookie says.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import redis

SESSION_SECONDS = 12 * 3600  # one working day from login, as the signed cookie lasted before


def _key(session_id: str) -> str:
    return f"desk:session:{session_id}"


def _user_key(user: str) -> str:
    return f"desk:user-sessions:{user}"


@dataclass(frozen=True)
class Session:
    """A logged-in session: whose it is and the CSRF token its forms must carry."""

    id: str
    user: str
    csrf: str


class SessionStore:
    """Starts, reads and ends desk sessions."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def start(self, user: str) -> Session:
        """A new session for `user`, with its own CSRF token."""
        session = Session(secrets.token_urlsafe(32), user, secrets.token_urlsafe(32))
        with self._redis.pipeline() as pipe:
            pipe.hset(_key(session.id), mapping={"user": user, "csrf": session.csrf, "created": int(time.time())})
            pipe.expire(_key(session.id), SESSION_SECONDS)
            pipe.sadd(_user_key(user), session.id)
            pipe.expire(_user_key(user), SESSION_SECONDS)
            pipe.execute()
        return session

    def get(self, session_id: str) -> Session | None:
        """The session with this id, or None if it was ended or has expired."""
        user, csrf = self._redis.hmget(_key(session_id), "user", "csrf")
        return Session(session_id, user.decode(), csrf.decode()) if user and csrf else None

    def end(self, session: Session) -> None:
        """End one session (logout)."""
        with self._redis.pipeline() as pipe:
            pipe.delete(_key(session.id))
            pipe.srem(_user_key(session.user), session.id)
            pipe.execute()

    def end_all(self, user: str, keep: str | None = None) -> int:
        """End every session of `user` but the one with id `keep`; how many were live."""
        ids = [member.decode() for member in self._redis.smembers(_user_key(user))]
        ended = [i for i in ids if i != keep]
        if not ended:
            return 0
        with self._redis.pipeline() as pipe:
            for session_id in ended:
                pipe.delete(_key(session_id))
            pipe.srem(_user_key(user), *ended)
            return sum(pipe.execute()[:-1])

    def count(self, user: str) -> int:
        """How many sessions `user` has open (forgetting ids whose session expired)."""
        ids = [member.decode() for member in self._redis.smembers(_user_key(user))]
        if not ids:
            return 0
        with self._redis.pipeline() as pipe:
            for session_id in ids:
                pipe.exists(_key(session_id))
            live = pipe.execute()
        expired = [i for i, alive in zip(ids, live, strict=True) if not alive]
        if expired:
            self._redis.srem(_user_key(user), *expired)
        return len(ids) - len(expired)
