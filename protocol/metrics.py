"""Where every process serves its Prometheus metrics, and who may read them.

Each process (Rasa, the action server, the desk, and each replica of them) serves its own metrics
at METRICS_PATH on its own HTTP port, so a scrape reads one process, never a mix through a load
balancer. Metrics tell how busy the service is and how customers fare, which is not for the public:
a scrape must carry `Authorization: Bearer <METRICS_TOKEN>` (infra.settings; generated into the data
folder when unset). Without a token configured, nothing is served.

Standard library only, like the rest of `protocol`: Rasa's process checks the token with it too.
"""

from __future__ import annotations

import hmac
from typing import Final

METRICS_PATH: Final = "/metrics"
TOKEN_VARIABLE: Final = "METRICS_TOKEN"
# What a refused scrape is told (RFC 6750): it needs a bearer token.
CHALLENGE: Final = {"WWW-Authenticate": 'Bearer realm="metrics"'}


def authorized(authorization: str | None, token: str) -> bool:
    """Whether an `Authorization` header carries the metrics token (compared in constant time)."""
    if not token or not authorization:
        return False
    scheme, _, credentials = authorization.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(credentials.strip().encode(), token.encode())
