"""Starts Rasa's own command line with this project's extensions installed.

Use it exactly like the `rasa` command: `python -m rasa_ext.server run --enable-api ...`.
"""

import sys

from rasa_ext import action_outage


def main() -> None:
    """Install the extensions, then hand over to Rasa's CLI."""
    action_outage.install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
