"""Checks the action server's replies against Rasa's schema without re-checking the schema itself.

Rasa 3.6 checks each custom action's result with `jsonschema.validate(result, spec)`, which first
validates `spec` against JSON Schema's meta-schema, every call. Every message of ours is answered
by a custom action, so that was about half the Rasa process's CPU per message (py-spy, 20
sessions at once; see bench/profile.py). The same check with a validator built once per
process: the same errors for the same results. Installed by rasa_ext.server; pinned to Rasa 3.6.x.
"""

from __future__ import annotations

import functools
from typing import Any

from jsonschema.exceptions import best_match  # type: ignore[import-untyped]
from jsonschema.validators import validator_for  # type: ignore[import-untyped]
from rasa.core.actions import action as rasa_action
from rasa.shared.constants import DOCS_BASE_URL


@functools.lru_cache(maxsize=1)
def response_validator() -> Any:
    """The validator of Rasa's action response format, its schema checked once."""
    spec = rasa_action.RemoteAction.action_response_format_spec()
    cls = validator_for(spec)
    cls.check_schema(spec)
    return cls(spec)


def validate_action_result(_: Any, result: dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result with the validator built once; raises as Rasa's does."""
    error = best_match(response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, make sure your response from the "
        f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    """Use the validator built once for every custom action's result (Rasa's own and subclasses)."""
    rasa_action.RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign, assignment]

