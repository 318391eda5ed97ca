"""What webhook handlers share: reading the stored body, and turning a refusal into one readable error line.

A handler that raises leaves its event *failed* with ``<exception class>: <message>`` as the error the admin
and ``webhooks_reprocess`` show; these helpers make that message say which field and why.
"""

from __future__ import annotations

import json
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class RejectedPayload(Exception):
    """The delivery cannot be stored as it is; the message says which field and why."""


def stored_json_object(body: str) -> dict:
    try:
        payload = json.loads(body)
    except ValueError:
        raise RejectedPayload(_("The stored body is not JSON.")) from None
    if not isinstance(payload, dict):
        raise RejectedPayload(_("The stored body is not a JSON object."))
    return payload


@contextmanager
def rejected(*errors: type[Exception]):
    """A service's ``ValidationError`` (and the mapping errors named) become one ``RejectedPayload`` line."""
    try:
        yield
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            text = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
        else:
            text = " ".join(error.messages)
        raise RejectedPayload(text) from None
    except errors as error:
        raise RejectedPayload(str(error)) from None
