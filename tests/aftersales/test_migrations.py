"""Every model change has its migration: ``makemigrations --check`` finds nothing to write (it needs the settings
of a real environment, so it runs here under the test settings rather than as a bare ``manage.py`` call)."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_missing_its_migration():
    out = io.StringIO()
    exit_code = 0
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as missing:  # --check exits 1 when a migration would be written
        exit_code = missing.code
    assert exit_code == 0, f"missing migrations:\n{out.getvalue()}"
    assert "No changes detected" in out.getvalue()
