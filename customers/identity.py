"""Identity verification: the website signs who its signed-in customer is, the server checks it.

The host website's backend computes, with a secret it shares with this server,

    signature = hex(HMAC-SHA256(IDENTITY_SECRET, customer_id + "\\n" + lowercase(email)))

(either part may be empty; surrounding spaces are dropped) and hands it to the widget with the
customer's details (`customer: {id, email, name, signature}`). The secret never reaches a
browser, so a visitor can't sign someone else's id or e-mail: a missing or wrong signature
means the details are only claimed. It is the scheme of Intercom's and Chatwoot's identity
verification (the name is not signed: it is only ever shown).
"""

from __future__ import annotations

import hashlib
import hmac

from infra.settings import Settings, local_secret


def identity_secret(settings: Settings) -> str:
    """IDENTITY_SECRET, or a random one generated once into the data folder."""
    return settings.identity_secret or local_secret(settings, "identity_secret")


def canonical(customer_id: str, email: str) -> str:
    """The exact text that is signed: the id, a newline, the e-mail in lower case."""
    return f"{str(customer_id).strip()}\n{str(email).strip().lower()}"


def sign(secret: str, customer_id: str, email: str) -> str:
    """The signature the website's backend gives the widget (64 hex digits)."""
    return hmac.new(secret.encode(), canonical(customer_id, email).encode(), hashlib.sha256).hexdigest()


def verify(secret: str, customer_id: str, email: str, signature: object) -> bool:
    """Whether `signature` is the website's signature of this id and e-mail (in constant time)."""
    if not isinstance(signature, str) or not (str(customer_id).strip() or str(email).strip()):
        return False
    expected = sign(secret, customer_id, email)
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode("utf-8", "replace"))


def signed_customer(secret: str, customer: dict[str, str]) -> dict[str, str]:
    """The widget's `customer` option for a signed-in customer: their details and the signature."""
    return {**customer, "signature": sign(secret, customer.get("id", ""), customer.get("email", ""))}
