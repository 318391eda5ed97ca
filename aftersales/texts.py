"""Text written to the database for staff (timeline notes, refund reasons): in the store's language, whoever's
request wrote it — a German customer's request must not leave German notes for the agents."""

from django.conf import settings
from django.utils import translation


def in_store_language(message, **params) -> str:
    """``message`` (usually lazy) rendered in ``LANGUAGE_CODE``, then ``% params`` when there are any."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % params if params else str(message)
