"""/healthz: database and broker reachability as JSON, 200 or 503."""

import pytest

from tests.processes import clean_manage_env, manage

pytestmark = pytest.mark.django_db

PROBE = ("from django.test import Client; r = Client().get('/healthz'); "
         "print(r.status_code); print(r.content.decode())")


def test_healthy(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["vendor"] == ("postgresql" if "postgres" in settings.DATABASES["default"]["ENGINE"]
                                          else "sqlite")
    assert body["broker"] == body["broker"] | {"ok": True,
                                               "transport": settings.CELERY_BROKER_URL.split("://")[0]}
    assert response["Cache-Control"].startswith("max-age=0")


def test_unreachable_broker_is_503(tmp_path):
    result = manage(["shell", "-v", "0", "-c", PROBE],
                    clean_manage_env(tmp_path, CELERY_BROKER_URL="redis://127.0.0.1:1/0", REDIS_URL=None))
    status, body = result.stdout.strip().split("\n", 1)
    assert status == "503", result.stderr
    assert '"broker": {"ok": false, "transport": "redis"' in body
    assert '"database": {"ok": true' in body


def test_unreachable_database_is_503(tmp_path):
    result = manage(["shell", "-v", "0", "-c", PROBE],
                    clean_manage_env(tmp_path, DATABASE_URL="postgres://nobody@127.0.0.1:1/none"))
    status, body = result.stdout.strip().split("\n", 1)
    assert status == "503", result.stderr
    assert '"database": {"ok": false, "error": "OperationalError"}' in body
    assert '"status": "unavailable"' in body


def test_healthz_is_not_redirected_to_https_in_production(settings, client):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/desk/").status_code == 301
