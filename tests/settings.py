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

from aftersales.settings import *  # noqa: F403

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
