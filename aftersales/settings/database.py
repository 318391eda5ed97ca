"""Database and cache: PostgreSQL and Redis in production, a SQLite file and a file cache by default."""

import dj_database_url

from aftersales.env import EnvError, env

from .core import DEBUG, VAR_DIR

_database_url = env.str(
    "DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
    help="postgres://user:password@host:5432/name in production; default: a SQLite file under VAR_DIR.",
    secret=True,
)
try:
    _database = dj_database_url.parse(_database_url, conn_max_age=0 if DEBUG else 60, conn_health_checks=True)
except Exception:  # dj-database-url raises ValueError/KeyError depending on what is wrong
    raise EnvError("DATABASE_URL is not a database URL this app understands "
                   "(postgres://… or sqlite:///…)") from None
if _database["ENGINE"] == "django.db.backends.sqlite3":
    # The web, the worker and beat share the file: WAL lets readers and one writer work at once.
    _database["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif _database["ENGINE"] != "django.db.backends.postgresql":
    raise EnvError("DATABASE_URL must point at PostgreSQL (production) or SQLite (embedded default)")
DATABASES = {"default": _database}

REDIS_URL = env.str("REDIS_URL", "", help="redis://host:6379/0: broker, results and cache. Default: none "
                    "(an embedded broker folder and a file cache).", secret=True)
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise EnvError("REDIS_URL must start with redis://, rediss:// or unix://")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Shared by the web, worker and beat processes (rate limits, heartbeats), so not the local-memory cache.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(VAR_DIR / "cache")}}
