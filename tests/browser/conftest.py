"""Browser journeys share the server's cache with earlier runs: start each from a clean one, so a lookup is
never refused by the rate limit of a previous test."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()
