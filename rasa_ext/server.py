"""Starts Rasa's own command line with this project's extensions installed.

Use it exactly like the `rasa` command: `python -m rasa_ext.server run --enable-api ...`.

The HTTP API's token comes from the environment (RASA_TOKEN, set by launcher.stack), never from
`--auth-token`, which would show it to anyone running `ps`. Like the rest of rasa_ext, this
runs inside Rasa's Python 3.10 environment, so it reads os.environ itself instead of
infra.settings (which is the one documented place this variable is defined).
"""

import functools
import os
import sys
from typing import Any

from rasa_ext import action_outage, action_results, metrics


def token_from_environment() -> None:
    """Make every API Rasa builds require RASA_TOKEN, when it is set.

    `rasa.core.run.configure_app` builds the API with `rasa.server.create_app(..., auth_token=...)`,
    looked up on the module at call time, so wrapping that one name is enough. Pinned to Rasa 3.6.x.
    """
    token = os.environ.get("RASA_TOKEN", "")
    if not token:
        return
    import rasa.server

    create_app = rasa.server.create_app

    @functools.wraps(create_app)
    def create_app_with_token(*args: Any, **kwargs: Any) -> Any:
        return create_app(*args, **{**kwargs, "auth_token": token})

    rasa.server.create_app = create_app_with_token


def main() -> None:
    """Install the extensions, then hand over to Rasa's CLI."""
    action_outage.install()
    action_results.install()
    metrics.install()
    token_from_environment()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
