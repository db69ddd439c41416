"""Password hashing: scrypt with a random salt per password, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# scrypt cost: 2**14 * 8 * 128 bytes = 16 MiB and ~50 ms per check, slow enough to hurt guessing.
N, R, P, KEY_BYTES = 2**14, 8, 1, 32


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=KEY_BYTES, maxmem=64 * 1024 * 1024)


def hash_password(password: str) -> str:
    """`scrypt$n$r$p$salt$key` (hex), with the cost stored so it can be raised later."""
    salt = secrets.token_bytes(16)
    return f"scrypt${N}${R}${P}${salt.hex()}${_derive(password, salt, N, R, P).hex()}"


def verify_password(password: str, stored: str) -> bool:
    """True if `password` matches the `stored` hash; False for any malformed hash."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        derived = _derive(password, bytes.fromhex(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(derived, bytes.fromhex(key))


# Checked against when a user name is unknown, so a failed login takes as long either way.
DUMMY_HASH = hash_password(secrets.token_urlsafe(16))
