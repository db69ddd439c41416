"""The demo store page: it hosts the widget and, like a real site's backend, signs who is signed in.

The store has one pretend account, Sam: `/demo?customer=sam` is the page as Sam sees it once
signed in, `/demo` as a guest. The signature is computed here, on the server, with the identity
secret (customers/identity.py); the browser gets only the signature, never the secret.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from customers.identity import identity_secret, signed_customer
from infra.settings import Settings

SAMPLE_CUSTOMER = {"id": "demo-sam", "name": "Sam Green", "email": "sam@example.com"}


def demo_page(settings: Settings, pages: Path) -> Callable[[Request], Awaitable[Response]]:
    """The route serving the demo page (templates in `pages`)."""
    templates = Jinja2Templates(directory=str(pages))

    async def demo(request: Request) -> Response:
        signed_in = request.query_params.get("customer") == "sam"
        customer: dict[str, Any] = signed_customer(identity_secret(settings), SAMPLE_CUSTOMER) if signed_in else {}
        # Told where the Rasa server is and who is signed in (autoescaped, and JSON-encoded in the script).
        context = {"rasa_url": settings.public_rasa_url, "customer": customer}
        return templates.TemplateResponse(request, "index.html", context)

    return demo
