"""Fixtures of every returns test."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters live in the shared cache: every test starts and ends with none."""
    cache.clear()
    yield
    cache.clear()
