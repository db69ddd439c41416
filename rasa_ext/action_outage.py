"""Makes an unreachable or failing action server give the customer a plain apology.

Rasa 3.6 logs a failed custom action and sends nothing, so the customer would be left in
silence. Rasa builds every custom action as `rasa.core.actions.action.RemoteAction` through a
module-level lookup, so replacing that name with a subclass is enough; it is done once, by
`rasa_ext.server` before Rasa starts. Pinned to Rasa 3.6.x (requirements/rasa.txt).
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, List

from rasa.core.actions import action as rasa_action
from rasa.shared.core.events import BotUttered, Event
from rasa.shared.exceptions import RasaException

logger = logging.getLogger(__name__)

APOLOGY = (
    "I'm sorry, part of our system isn't responding right now, so I can't look that up. "
    "Your message is saved. Please try again in a few minutes, or contact our team directly."
)

# Far below Rasa's 5-minute default: a customer should not wait that long for an apology.
ACTION_TIMEOUT_SECONDS = float(os.environ.get("ACTION_TIMEOUT_SECONDS", "30"))


class ResilientRemoteAction(rasa_action.RemoteAction):
    """A RemoteAction that apologises instead of going silent when the action server fails."""

    async def run(self, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Event]:
        try:
            return await asyncio.wait_for(
                super().run(output_channel, nlg, tracker, domain), ACTION_TIMEOUT_SECONDS
            )
        except rasa_action.ActionExecutionRejection:
            raise  # a deliberate rejection (forms) is Rasa's to handle
        except (RasaException, asyncio.TimeoutError) as error:
            logger.error("Action '%s' failed, apologising to the customer: %s", self.name(), error)
            return [BotUttered(APOLOGY, metadata={"error": "action_server_unavailable"})]


def install() -> None:
    """Make Rasa build ResilientRemoteAction wherever it would build a RemoteAction."""
    rasa_action.RemoteAction = ResilientRemoteAction  # type: ignore[misc]
