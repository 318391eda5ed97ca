"""Celery's task defaults, and the beat schedule kept in the database."""

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from aftersales.celery import app


def test_task_defaults():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_serializer == conf.result_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_time_limit == 300
    assert conf.task_soft_time_limit == 270
    assert conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"


def test_tasks_are_registered_under_stable_names():
    app.loader.import_default_modules()
    assert {"aftersales.ping", "aftersales.heartbeat"} <= set(app.tasks)


@pytest.mark.django_db
def test_schedule_sync_creates_entries_once_and_keeps_admin_edits():
    call_command("beat_schedule_sync")
    heartbeat = PeriodicTask.objects.get(name="Worker heartbeat")
    assert heartbeat.task == "aftersales.heartbeat"
    assert heartbeat.interval.every == 60
    heartbeat.enabled = False  # what a manager does in the admin
    heartbeat.save()
    call_command("beat_schedule_sync")
    assert PeriodicTask.objects.filter(name="Worker heartbeat").count() == 1
    assert PeriodicTask.objects.get(name="Worker heartbeat").enabled is False
    call_command("beat_schedule_sync", "--reset")
    assert PeriodicTask.objects.get(name="Worker heartbeat").enabled is True


@pytest.mark.django_db
def test_heartbeat_is_reported_by_healthz(client):
    from aftersales.tasks import heartbeat

    heartbeat()
    assert client.get("/healthz").json()["worker"]["last_seen"] is not None
