"""The demo store page signs its sample customer on the server, and a deployment can turn it off (desk.demo)."""

from __future__ import annotations

import re
from dataclasses import replace

import redis
from starlette.testclient import TestClient

from customers.identity import identity_secret, verify
from desk.app import create_app
from desk.demo import SAMPLE_CUSTOMER
from infra.settings import Settings


def signed_customer_on(page: str) -> str:
    match = re.search(r'"signature":\s*"([0-9a-f]+)"', page)
    return match.group(1) if match else ""


def test_the_demo_page_signs_sam_with_the_stacks_secret_and_a_guest_gets_no_signature(app):
    with TestClient(app) as client:
        sam = client.get("/demo?customer=sam")
        guest = client.get("/demo")
    assert sam.status_code == 200 and guest.status_code == 200
    signature = signed_customer_on(sam.text)
    settings = app.state.services.settings
    assert verify(identity_secret(settings), SAMPLE_CUSTOMER["id"], SAMPLE_CUSTOMER["email"], signature)
    assert identity_secret(settings) not in sam.text
    assert not signed_customer_on(guest.text)


def test_with_the_demo_page_off_neither_it_nor_the_root_is_served(settings: Settings, redis_client: redis.Redis):
    app = create_app(replace(settings, demo_page=False))
    with TestClient(app) as client:
        assert client.get("/demo?customer=sam").status_code == 404
        assert client.get("/").status_code == 404
        assert client.get("/health").status_code == 200
