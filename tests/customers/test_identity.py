"""Identity verification: the website's HMAC of id and e-mail, checked with the shared secret."""

import hashlib
import hmac
import os
import stat

from customers.identity import canonical, identity_secret, sign, signed_customer, verify
from infra.settings import load_settings

SECRET = "s3cret-shared-with-the-website"


def test_the_signature_is_the_hmac_sha256_of_id_newline_lowercased_email():
    expected = hmac.new(SECRET.encode(), b"c-42\nsam@example.com", hashlib.sha256).hexdigest()
    assert canonical(" c-42 ", " Sam@Example.COM ") == "c-42\nsam@example.com"
    assert sign(SECRET, "c-42", "Sam@Example.com") == expected
    assert sign(SECRET, "", "sam@example.com") == hmac.new(SECRET.encode(), b"\nsam@example.com", hashlib.sha256).hexdigest()


def test_only_the_right_signature_verifies():
    good = sign(SECRET, "c-42", "sam@example.com")
    assert verify(SECRET, "c-42", "SAM@example.com", good)
    assert verify(SECRET, "c-42", "sam@example.com", good.upper())  # hex in either case
    assert not verify("another-secret", "c-42", "sam@example.com", good)
    assert not verify(SECRET, "c-42", "kim@example.com", good)  # someone else's e-mail
    assert not verify(SECRET, "c-43", "sam@example.com", good)
    assert not verify(SECRET, "", "", sign(SECRET, "", ""))  # nobody at all is not an identity
    for forged in (None, "", 42, ["x"], good[:-1], "é" * 64, "\ud800" * 64):
        assert not verify(SECRET, "c-42", "sam@example.com", forged)


def test_signed_customer_is_what_the_widget_is_given():
    sam = signed_customer(SECRET, {"id": "c-42", "name": "Sam", "email": "sam@example.com"})
    assert sam["name"] == "Sam" and verify(SECRET, sam["id"], sam["email"], sam["signature"])


def test_the_secret_is_the_setting_or_generated_once_and_private(tmp_path):
    assert identity_secret(load_settings({"DATA_DIR": str(tmp_path), "IDENTITY_SECRET": "given"})) == "given"
    generated = load_settings({"DATA_DIR": str(tmp_path), "EMBEDDING_MODEL": "x"})
    first = identity_secret(generated)
    assert identity_secret(generated) == first and len(first) >= 40
    assert stat.S_IMODE(os.stat(tmp_path / "identity_secret").st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["identity_secret"]  # no draft left behind
