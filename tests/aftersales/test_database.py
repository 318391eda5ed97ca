"""The suite runs on the database DATABASE_URL names: PostgreSQL in CI, SQLite without it."""

import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_database_vendor_matches_database_url():
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected
    if os.environ.get("CI", "").lower() == "true":
        assert connection.vendor == "postgresql", "CI must run the suite on PostgreSQL"
