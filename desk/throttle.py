"""Failed desk logins, slowed down then locked, per account and per client address.

Each login attempt is counted before the password is checked (one atomic Redis script, so parallel
guesses from several connections or desk replicas get no extra tries) and forgiven if it succeeds:

- **Account** (the user name as typed, whether or not such a user exists, so the answers never tell
  which names are real): the first 4 failures cost nothing; from the 5th, the account refuses logins
  for 2, 4, 8, 16, 32 s; the 10th locks it for 15 minutes, and so does each further failure. While
  refused, even the right password is turned away (without being checked).
- **Address** (the client's IP address as the desk sees it, an IPv6 one's /64; behind a reverse proxy
  that is the proxy's unless uvicorn trusts its forwarded headers): the same from the 20th failure
  (doubling up to 7½ minutes at most), locked from the 30th. This stops one address from guessing a
  few passwords of every account (spraying), and from locking accounts wholesale: 3 in its first half
  hour, then one failure per 15 minutes, enough to keep one account locked at a time. Every lock ends
  by itself after 15 minutes, and an admin lifts any at once (user list, or `python -m desk.users
  unlock`). Attackers with many addresses can still keep an account locked, the price of any lockout;
  the log shows from where. The price of the address count: people behind the same address (an office
  NAT) share it, so an attack from there holds them back too, until an admin unblocks the address.

Failures are counted for an hour after the last one; a success clears the account's count (not
the address's: an attacker's own valid account must not wipe it). An admin's unlock clears both the
lock and the count.

Keys:
    desk:login-locks               sorted set: "user:{name}" / "addr:{address}" -> epoch seconds until
                                   which logins are refused (past ones are pruned at each attempt)
    desk:login-fails:{subject}     failures counted (string), expires FAILURE_WINDOW after the last
    desk:login-log                 stream of the newest LOG_LENGTH failures, lockouts and unlocks:
                                   event, name, address, account/address failure counts, refused_for
Attempts refused while locked are not logged one by one: they cost nothing and would flush the log.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from typing import Any

import redis

LOCKS_KEY = "desk:login-locks"
LOG_KEY = "desk:login-log"
LOG_LENGTH = 500
FAILURE_WINDOW = 3600
LOCK_SECONDS = 15 * 60


@dataclass(frozen=True)
class Policy:
    """Failures before logins slow down (`free`), and the failure that locks (`lock_at`)."""

    free: int
    lock_at: int

    def wait(self, failures: int) -> int:
        """Seconds logins are refused after `failures` failures: 0, then doubling, then the lock."""
        if failures >= self.lock_at:
            return LOCK_SECONDS
        # Capped at half the lock, so that only the `lock_at`th failure locks (and is logged so).
        return min(2 ** (failures - self.free + 1), LOCK_SECONDS // 2) if failures >= self.free else 0

    def schedule(self) -> str:
        """The wait after 1, 2, ... `lock_at` failures (and every later one), for the Redis script."""
        return ",".join(str(self.wait(n)) for n in range(1, self.lock_at + 1))


ACCOUNT = Policy(free=5, lock_at=10)
ADDRESS = Policy(free=20, lock_at=30)

# KEYS[1] the locks, KEYS[1 + i] subject i's failure counter; ARGV: window, then per subject its
# name and its Policy.schedule(). Returns {0, seconds refused} if any subject is locked now, else
# counts the attempt as a failure (forgiven by LoginThrottle.succeeded) and returns {1, counts...}.
_ATTEMPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local refused = 0
for i = 2, #KEYS do
  local until_ = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[2 * i - 2]) or 0)
  refused = math.max(refused, until_ - now)
end
if refused > 0 then return {0, tostring(refused)} end
local counts = {}
for i = 2, #KEYS do
  local n = redis.call('INCR', KEYS[i])
  redis.call('EXPIRE', KEYS[i], ARGV[1])
  local waits = {}
  for wait in string.gmatch(ARGV[2 * i - 1], '%d+') do waits[#waits + 1] = tonumber(wait) end
  local wait = waits[math.min(n, #waits)]
  if wait > 0 then redis.call('ZADD', KEYS[1], 'GT', now + wait, ARGV[2 * i - 2]) end
  counts[#counts + 1] = n
end
return {1, unpack(counts)}
"""


def client_address(host: str) -> str:
    """What the address count is kept under: the IP address, but an IPv6 address's /64 network
    (one customer line usually gets a whole /64, so each address in it must not count apart)."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _subjects(account: str | None, address: str) -> list[tuple[str, Policy]]:
    # A name that can't be a user's (see desk.users.NAME) is left to the address's count.
    return ([(f"user:{account}", ACCOUNT)] if account else []) + [(f"addr:{address}", ADDRESS)]


def _counter(subject: str) -> str:
    return f"desk:login-fails:{subject}"


@dataclass(frozen=True)
class Attempt:
    """One login attempt let through: who, from where, and the failures counted so far with it."""

    account: str | None
    address: str
    failures: tuple[int, ...]  # per subject: the account's (if any), then the address's

    def wait_if_failed(self) -> int:
        """Seconds logins stay refused if this attempt fails."""
        subjects = _subjects(self.account, self.address)
        return max(policy.wait(n) for (_, policy), n in zip(subjects, self.failures, strict=True))


def too_many(seconds: float) -> str:
    """What the login page says while logins are refused (the same for any name and address)."""
    if seconds < 60:
        return f"Too many failed attempts; try again in {math.ceil(seconds)} seconds."
    minutes = math.ceil(seconds / 60)
    return f"Too many failed attempts; try again in {minutes} minute{'s' if minutes > 1 else ''}."


class LoginThrottle:
    """Counts failed logins, refuses logins while locked, logs failures, unlocks."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._attempt = client.register_script(_ATTEMPT)

    def attempt(self, account: str | None, address: str) -> Attempt | float:
        """Count an attempt (`account` None for an impossible name): the Attempt, or seconds refused."""
        subjects = _subjects(account, address)
        args: list[Any] = [FAILURE_WINDOW]
        for subject, policy in subjects:
            args += [subject, policy.schedule()]
        outcome = self._attempt(keys=[LOCKS_KEY, *(_counter(s) for s, _ in subjects)], args=args)
        if outcome[0] == 0:
            return float(outcome[1])
        return Attempt(account, address, tuple(int(n) for n in outcome[1:]))

    def failed(self, attempt: Attempt) -> None:
        """Log a wrong password (a lockout if it locked the account or address)."""
        wait = attempt.wait_if_failed()
        self._log("locked" if wait >= LOCK_SECONDS else "failed", attempt.account or "", attempt.address,
                  attempt.failures[0] if attempt.account else "", attempt.failures[-1], wait)

    def succeeded(self, attempt: Attempt) -> None:
        """Forgive the account its failures; the address only this attempt (and its lock, if now due to none)."""
        address = f"addr:{attempt.address}"
        with self._redis.pipeline() as pipe:
            if attempt.account:
                pipe.delete(_counter(f"user:{attempt.account}"))
                pipe.zrem(LOCKS_KEY, f"user:{attempt.account}")
            pipe.decr(_counter(address))
            pipe.expire(_counter(address), FAILURE_WINDOW)  # never a lasting key, even if unlocked meanwhile
            if ADDRESS.wait(attempt.failures[-1] - 1) == 0:
                pipe.zrem(LOCKS_KEY, address)
            pipe.execute()

    def unlock(self, subject: str, by: str) -> None:
        """Lift a lock and forget the failures of "user:{name}" or "addr:{address}"; logged."""
        with self._redis.pipeline() as pipe:
            pipe.zrem(LOCKS_KEY, subject)
            pipe.delete(_counter(subject))
            pipe.execute()
        kind, _, value = subject.partition(":")
        self._log("unlocked by " + by, value if kind == "user" else "", value if kind == "addr" else "")

    def locks(self) -> dict[str, float]:
        """Every subject refused now -> seconds left."""
        now = self._now()
        locked = self._redis.zrangebyscore(LOCKS_KEY, now, "+inf", withscores=True)
        return {subject.decode(): until - now for subject, until in locked}

    def failures(self, accounts: list[str]) -> dict[str, int]:
        """The failures counted against each of `accounts`."""
        counts = self._redis.mget([_counter(f"user:{a}") for a in accounts]) if accounts else []
        return {a: int(n) for a, n in zip(accounts, counts, strict=True) if n}

    def recent(self, count: int = 20) -> list[dict[str, Any]]:
        """The newest log entries, newest first, with their time (epoch seconds)."""
        return [{"at": int(entry_id.split(b"-")[0]) / 1000, **{k.decode(): v.decode() for k, v in fields.items()}}
                for entry_id, fields in self._redis.xrevrange(LOG_KEY, count=count)]

    def _log(self, event: str, name: str, address: str, account_failures: int | str = "",
             address_failures: int | str = "", refused_for: int = 0) -> None:
        entry = {"event": event, "name": name, "address": address, "account_failures": account_failures,
                 "address_failures": address_failures, "refused_for": refused_for}
        self._redis.xadd(LOG_KEY, entry, maxlen=LOG_LENGTH, approximate=False)

    def _now(self) -> float:
        seconds, micros = self._redis.time()
        return seconds + micros / 1_000_000
