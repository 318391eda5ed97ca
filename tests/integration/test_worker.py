"""A task sent from a Django process is executed by a separate, real Celery worker process."""

import json
import os
import uuid

import pytest

from aftersales.tasks import ping
from tests.processes import celery_worker, manage, parent_pid, project_env

SEND_PING = (
    "import json, os; from aftersales.tasks import ping; "
    "r = ping.apply_async(args=['{token}'], queue='{queue}').get(timeout=60); "
    "print(json.dumps({{'result': r, 'sender': os.getpid()}}))"
)


def test_embedded_broker_runs_task_in_separate_worker(tmp_path):
    """The default with no server at all: kombu's filesystem transport, as `make demo` runs it."""
    env = project_env(REDIS_URL=None, CELERY_BROKER_URL=None, VAR_DIR=str(tmp_path))
    queue, token = f"test-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    with celery_worker(env, queue) as (worker, _output):
        sent = manage(["shell", "-v", "0", "-c", SEND_PING.format(token=token, queue=queue)], env)
        assert sent.returncode == 0, sent.stderr
        answer = json.loads(sent.stdout.strip().splitlines()[-1])
        result = answer["result"]
        assert result["token"] == token
        assert result["pid"] != answer["sender"]
        assert parent_pid(result["pid"]) == worker.pid  # a pool process of that worker ran it
    assert (tmp_path / "celery" / "broker" / "queue").is_dir()  # the embedded broker, not Redis


@pytest.mark.integration
def test_redis_broker_runs_task_sent_from_this_process(redis_url, settings):
    """Production wiring: this (web) process sends through Redis, a separate worker executes."""
    assert settings.CELERY_BROKER_URL.startswith("redis")
    queue, token = f"test-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    with celery_worker(project_env(), queue) as (worker, _output):
        result = ping.apply_async(args=[token], queue=queue).get(timeout=60)
        assert result["token"] == token
        assert result["pid"] != os.getpid()
        assert parent_pid(result["pid"]) == worker.pid
