"""Shared fixtures: real parts or an honest skip.

* PostgreSQL, Redis and Chromium are used when present (``.ci/run`` provides all three); without them the
  tests that need them are skipped with the reason printed.
* In CI (``CI=true``) every skip not listed in ``tests/allowed_skips.txt`` fails the run.
"""

import os
import shutil

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in the test thread; Django's live server is synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(autouse=True)
def _source_language():
    """Each test starts in the source language: a request in another language must not leak into the next."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def tasks_inline():
    """Run queued tasks in this process (unit tests of what a task does; queues are tested with real workers)."""
    from aftersales.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


# -- the real parts ------------------------------------------------------------------------------

@pytest.fixture
def require_postgres(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://… (as .ci/run does)")


@pytest.fixture(scope="session")
def redis_url():
    if not settings.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL=redis://… (as .ci/run does)")
    return settings.REDIS_URL


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, never a downloaded browser (DESIGN section 9)."""
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.skip(f"needs Chromium at {CHROMIUM}: apt-get install -y chromium (as .ci/run does)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-US", "viewport": {"width": 1280, "height": 800}}


# -- people ----------------------------------------------------------------------------------------

def _staff(django_user_model, username, group_name, **extra):
    from django.contrib.auth.models import Group

    from aftersales.roles import ensure_role_groups

    ensure_role_groups()  # a transactional test's flush removes what the migrations created
    user = django_user_model.objects.create_user(username=username, password="pw-" + username, **extra)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def agent_user(db, django_user_model):
    from aftersales.roles import AGENT_GROUP

    return _staff(django_user_model, "agent", AGENT_GROUP, first_name="Alex")


@pytest.fixture
def manager_user(db, django_user_model):
    from aftersales.roles import MANAGER_GROUP

    return _staff(django_user_model, "manager", MANAGER_GROUP, first_name="Morgan", is_staff=True)
