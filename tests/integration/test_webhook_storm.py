"""A storm: 1,000 WhatsApp deliveries, a third of them sent twice and all shuffled, posted concurrently to the real
server (gunicorn) and processed by a real Celery worker, give exactly one message each (PostgreSQL, Redis)."""

import json
import random
import socket
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from aftersales.models import InboundWebhookEvent
from tests.processes import celery_worker, project_env, running
from tickets.meta.signature import sign_hub
from tickets.models import Message, Ticket

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SECRET = "storm-app-secret"
MESSAGES, CUSTOMERS = 1000, 40


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def delivery(n):
    wa_id = f"49151{n % CUSTOMERS:07d}"
    return {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550000000",
                                                      "phone_number_id": "PNID"},
        "contacts": [{"profile": {"name": f"Customer {n % CUSTOMERS}"}, "wa_id": wa_id}],
        "messages": [{"from": wa_id, "id": f"wamid.STORM{n:05d}", "timestamp": str(1700000000 + n), "type": "text",
                      "text": {"body": f"Message {n}: where is my order?"}}]}}]}]}


def test_a_thousand_deliveries_with_duplicates_make_one_message_each(require_postgres, redis_url):
    database = connection.settings_dict
    env = project_env(DATABASE_URL=f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
                                   f"{database['NAME']}", WHATSAPP_APP_SECRET=SECRET, DEBUG="false")
    port = free_port()
    bodies = [json.dumps(delivery(n)).encode() for n in range(MESSAGES)]
    sends = bodies + random.Random(7).sample(bodies, MESSAGES // 3)  # noqa: S311 (a test's shuffle)
    random.Random(11).shuffle(sends)  # noqa: S311

    def post(body):
        request = urllib.request.Request(f"http://127.0.0.1:{port}/webhooks/whatsapp/", data=body, method="POST",
                                         headers={"Content-Type": "application/json",
                                                  "X-Hub-Signature-256": sign_hub(SECRET, body)})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status

    server = [sys.executable, "-m", "gunicorn", "aftersales.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "3",
              "--threads", "4", "--access-logfile", "-", "--no-control-socket"]
    with celery_worker(env, "celery", concurrency=2), running(server, env, ready="Booting worker", timeout=60):
        deadline = time.monotonic() + 30
        while True:  # the server answers once a worker process has booted
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(post, sends))
        assert statuses == [200] * len(sends)
        deadline = time.monotonic() + 240
        while (InboundWebhookEvent.objects.filter(provider="whatsapp", status="received").exists()
               and time.monotonic() < deadline):
            time.sleep(1)

    assert InboundWebhookEvent.objects.filter(provider="whatsapp").count() == MESSAGES
    assert list(InboundWebhookEvent.objects.exclude(status="processed").values_list("event_id", "error")) == []
    inbound = Message.objects.filter(channel="whatsapp", direction="inbound")
    assert inbound.count() == MESSAGES
    expected = {f"wamid.STORM{n:05d}" for n in range(MESSAGES)}
    assert set(inbound.values_list("external_id", flat=True)) == expected
    assert Ticket.objects.count() == CUSTOMERS  # one conversation per customer
