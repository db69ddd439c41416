"""Runs the web app with uvicorn on the configured port."""

import uvicorn

from desk.app import create_app
from infra.settings import load_settings

# Open event streams never end by themselves: give them a few seconds, then stop.
GRACEFUL_SHUTDOWN_SECONDS = 3


def main() -> None:
    """Serve the desk, the widget files and the demo page."""
    settings = load_settings()
    uvicorn.run(create_app(settings), host="0.0.0.0", port=settings.desk_port, log_level="info",
                timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS)


if __name__ == "__main__":
    main()
