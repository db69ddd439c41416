"""Runs the action server: one process that loads the model and index before it takes requests."""

from __future__ import annotations

import logging

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic

from actions import metrics
from actions.outage import journal_replayer
from actions.runtime import services, settings

logger = logging.getLogger(__name__)


def warm_up(*_: object) -> None:
    """Load the model, the shared fit and the identity secret now (not on rasa-sdk's event loop during
    the first turn); a failure here is logged, not fatal."""
    try:
        services().knowledge_base.ask("warm up")
    except Exception as error:  # noqa: BLE001 - e.g. Redis down: the server still starts
        logger.warning("Warm-up skipped: %s", error)


def start_replayer(*_: object) -> None:
    """Replay tickets and messages journalled during a Redis outage, now and whenever Redis is back."""
    journal_replayer().start()


def main() -> None:
    """Serve the `actions` package on the configured port.

    A single process on purpose: the model and index live in this process's memory, and
    Sanic's worker processes would each load them again. Scale out with replicas instead.
    """
    logging.basicConfig(level=logging.INFO)
    executor = ActionExecutor()
    executor.register_package("actions")
    app = create_app(executor, cors_origins=None)
    metrics.install(app, executor)
    # Before the port opens, so the health check means "ready to answer".
    app.register_listener(warm_up, "before_server_start")
    app.register_listener(start_replayer, "after_server_start")
    app.prepare(host="0.0.0.0", port=settings().action_port, single_process=True, motd=False)
    Sanic.serve_single(app)


if __name__ == "__main__":
    main()
