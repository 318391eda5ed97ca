"""Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport (a real worker, no server).

Read by ``aftersales/celery.py`` through ``config_from_object(namespace="CELERY")``.
"""

from aftersales.env import EnvError, env

from .core import VAR_DIR
from .database import REDIS_URL

CELERY_BROKER_URL = env.str(
    "CELERY_BROKER_URL", REDIS_URL or "filesystem://localhost//",
    help="Overrides the broker; default: REDIS_URL, else the embedded filesystem broker under VAR_DIR.",
    secret=True,
)
if not CELERY_BROKER_URL.startswith(("redis://", "rediss://", "filesystem://", "memory://")):
    raise EnvError("CELERY_BROKER_URL must be a redis:// URL or filesystem://")

_celery_dir = VAR_DIR / "celery"
CELERY_BROKER_FILESYSTEM_DIR = _celery_dir / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed", "control"):
        (CELERY_BROKER_FILESYSTEM_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FILESYSTEM_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_FILESYSTEM_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_FILESYSTEM_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_FILESYSTEM_DIR / "control"),
        "store_processed": False,
    }
    (_celery_dir / "results").mkdir(parents=True, exist_ok=True)
    CELERY_RESULT_BACKEND = f"file://{_celery_dir / 'results'}"
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    CELERY_RESULT_BACKEND = REDIS_URL or CELERY_BROKER_URL

CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_EXPIRES = 24 * 3600

# Task defaults (DESIGN section 5): late acknowledgement so a killed worker's task is redelivered,
# JSON only, bounded run time, one message prefetched at a time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", 300, minimum=1,
                                 help="Hard time limit of one task, in seconds.")
CELERY_TASK_SOFT_TIME_LIMIT = max(1, CELERY_TASK_TIME_LIMIT - 30)
CELERY_TASK_TRACK_STARTED = True
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
# The schedule lives in the database, editable in the admin (Periodic tasks).
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
