"""Reachability of the parts a request or a task depends on, for ``/healthz`` and the demo runner."""

import os
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.utils import DatabaseError

from .celery import app as celery_app

HEARTBEAT_KEY = "aftersales:worker-heartbeat"


def database_status() -> dict:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True, "vendor": connection.vendor, "ms": round((time.monotonic() - started) * 1000, 1)}


def broker_status() -> dict:
    url = settings.CELERY_BROKER_URL
    transport = url.split("://", 1)[0]
    if transport == "filesystem":
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
        ok = os.path.isdir(folder) and os.access(folder, os.W_OK)
        return {"ok": ok, "transport": transport} | ({} if ok else {"error": "queue folder not writable"})
    started = time.monotonic()
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    except Exception as error:  # kombu wraps every transport's own errors differently
        return {"ok": False, "transport": transport, "error": type(error).__name__}
    return {"ok": True, "transport": transport, "ms": round((time.monotonic() - started) * 1000, 1)}


def worker_heartbeat() -> dict:
    """When the beat-driven heartbeat task last ran on a worker (informational: not part of ``ok``)."""
    try:
        seen = cache.get(HEARTBEAT_KEY)
    except Exception:  # a cache outage must not take the health endpoint down with it
        seen = None
    return {"last_seen": seen}


def overall() -> tuple[bool, dict]:
    database, broker = database_status(), broker_status()
    ok = database["ok"] and broker["ok"]
    return ok, {"status": "ok" if ok else "unavailable", "database": database, "broker": broker,
                "worker": worker_heartbeat()}
