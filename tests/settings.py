"""Settings for the test suite: the real settings, read from the same environment, with test-only defaults.

``make test`` with no environment runs on SQLite and the embedded broker; with ``DATABASE_URL`` and
``REDIS_URL`` set (``.ci/run``) the same suite runs on PostgreSQL and Redis.
"""

import os
import tempfile

# Defaults only: a value set in the environment (CI, a developer's shell) wins.
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "x1y2z3" * 8)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# Tests write data between two requests of the dashboard: its month to date is computed on each (the shared
# snapshot has its own tests, which turn it on).
os.environ.setdefault("DASHBOARD_LIVE_SECONDS", "0")
os.environ.setdefault("VAR_DIR", os.path.join(tempfile.gettempdir(), f"aftersales-test-{os.getuid()}"))


def _own_redis_database(url: str, offset: int) -> str:
    """``redis://host:port/N`` → ``…/N+offset`` (no database in the URL is database 0)."""
    base, _, db = url.rstrip("/").rpartition("/")
    if not db.isdigit():  # redis://host:port
        return f"{url.rstrip('/')}/{offset}"
    return f"{base}/{int(db) + offset}"


# `make test` runs one pytest-xdist worker per core. Each worker gets its own files (SQLite database, embedded
# broker, file cache) and its own Redis database, so one worker's Celery processes never take another's tasks and
# no cache is shared; pytest-django gives each its own test database. The environment is changed, not only the
# settings, so the worker, web and demo processes a test starts see the same. Done once per worker: a process a
# test starts inherits the changed environment and imports these settings again.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and os.environ.get("TESTS_ISOLATED_FOR") != _worker:
    os.environ["VAR_DIR"] = os.path.join(os.environ["VAR_DIR"], _worker)
    if os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = _own_redis_database(os.environ["REDIS_URL"], int(_worker[2:]))
    os.environ["TESTS_ISOLATED_FOR"] = _worker

from aftersales.settings import *  # noqa: E402, F403  (after the environment above is set)

# The test client speaks plain http; HTTPS redirects are checked by `check --deploy` instead.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Transactional tests share the database with a real worker process, so SQLite must be a file.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (whitenoise warns when it is missing)
