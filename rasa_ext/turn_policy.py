"""The turn policy: one action per customer message, routed by the handoff state.

- While a person has the chat, or the bot is taking down contact details for a ticket, every
  customer message goes to one action (the relay, or the ticket) and the bot says nothing else.
  The action server sets the slot `handoff_state` ("with_agent" / "collecting_contact"); the desk
  clears it. Rules cannot say "any intent", so this policy does.
- After any action, wait for the customer. Every rule is one message -> one action; saying so here
  keeps the RulePolicy's core fallback from running an action again when a turn began outside the
  rules (after the relay or the ticket).
Its priority is above the RulePolicy's, so it wins where it speaks; elsewhere it abstains.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

# What a new customer message triggers in each handoff state.
ROUTES = {"with_agent": "action_relay_to_agent", "collecting_contact": "action_take_ticket"}


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class TurnPolicy(Policy):
    """Routes messages by the `handoff_state` slot and listens after every action."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": 6}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Any | None = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer)

    def train(self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource  # nothing to learn

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        route = ROUTES.get(tracker.get_slot("handoff_state") or "")
        previous = tracker.latest_action_name
        if previous == ACTION_LISTEN_NAME:
            chosen = route  # None: the rules pick the action for the message
        elif previous in domain.user_actions or previous in ROUTES.values():
            chosen = ACTION_LISTEN_NAME  # one action per message
        else:
            chosen = None  # Rasa's own actions (session start, ...) go their usual way
        if chosen:
            probabilities[domain.index_for_action(chosen)] = 1.0
        return self._prediction(probabilities)
