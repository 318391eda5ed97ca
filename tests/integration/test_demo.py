"""`make demo`'s runner: prepares, serves the login page, runs tasks, stops all three processes on Ctrl-C,
and can be run again. Real processes on the embedded defaults (SQLite file, filesystem broker)."""

import http.cookiejar
import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

from tests.processes import ROOT, Output, alive, children, clean_manage_env, manage

TICKETS = """
import json, time
from tickets.models import Ticket
from tickets.services import message_send, message_deliver
from tickets.models import Message
def samples():  # the conversations the sample deliveries made or joined, not the seeded queue's
    ids = Message.objects.filter(direction='inbound').exclude(external_id__startswith='demo-').values('ticket_id')
    return Ticket.objects.filter(pk__in=ids)
deadline = time.monotonic() + 90
while samples().count() < 3 and time.monotonic() < deadline:
    time.sleep(0.5)
rows = []
for ticket in samples().select_related('customer', 'order').order_by('channel'):
    reply = message_send(ticket=ticket, body='We are looking into it.')
    reply = message_deliver(message_pk=reply.pk)
    rows.append({'channel': ticket.channel, 'language': ticket.language, 'customer_language': ticket.customer.language,
                 'own_order': bool(ticket.order_id) and ticket.order.customer_id == ticket.customer_id,
                 'identity': ticket.customer.identities.filter(kind=ticket.channel).exists(),
                 'reply_channel': reply.channel, 'reply': reply.delivery})
print(json.dumps(rows))
"""

PING = ("import json; from aftersales.tasks import ping; "
        "print(json.dumps(ping.delay('from-demo-test').get(timeout=60)))")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def logins(output_text):
    return dict(re.findall(r"^\s+(agent|manager)\s+password: (\S+)$", output_text, re.MULTILINE))


def log_in(base, username, password):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(f"{base}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrfmiddlewaretoken": token}).encode()
    return opener.open(f"{base}/accounts/login/", data=data)


def test_demo_serves_runs_tasks_stops_cleanly_and_runs_again(tmp_path):
    env = clean_manage_env(tmp_path)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    demo = subprocess.Popen([sys.executable, "manage.py", "demo", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    output = Output(demo)
    try:
        assert output.wait_for("The demo is running", timeout=120), output.text()[-4000:]
        with urllib.request.urlopen(f"{base}/accounts/login/") as response:
            assert response.status == 200
            assert "Log in to the desk" in response.read().decode()
        with urllib.request.urlopen(f"{base}/healthz") as response:
            assert json.loads(response.read())["status"] == "ok"

        passwords = logins(output.text())
        assert set(passwords) == {"agent", "manager"}
        assert "demo returns in progress: 6 of 6 filed" in output.text()  # the returns desk has work
        assert log_in(base, "agent", passwords["agent"]).geturl() == f"{base}/desk/"
        assert log_in(base, "manager", passwords["manager"]).geturl() == f"{base}/desk/"
        for url in ("/desk/", "/dashboard/", "/en/portal/", "/admin/", "/healthz"):
            assert f"{base}{url}" in output.text()

        sent = manage(["shell", "-v", "0", "-c", PING], env)  # the demo's own worker answers
        assert sent.returncode == 0, sent.stderr + output.text()[-3000:]
        assert json.loads(sent.stdout.strip().splitlines()[-1])["token"] == "from-demo-test"

        assert output.wait_for("Sample messages sent", timeout=60), output.text()[-3000:]
        assert output.wait_for("sample email", timeout=30), output.text()[-3000:]
        assert len([line for line in output.lines if line.strip().startswith("sample ")
                    and line.rstrip().endswith("HTTP 200")]) == 3, output.text()[-3000:]
        listed = manage(["shell", "-v", "0", "-c", TICKETS], env)
        assert listed.returncode == 0, listed.stderr + output.text()[-3000:]
        rows = json.loads(listed.stdout.strip().splitlines()[-1])
        assert [row["channel"] for row in rows] == ["email", "messenger", "whatsapp"]
        for row in rows:
            assert row["language"] == row["customer_language"], row
            assert row["own_order"], row
            assert row["identity"], row
            assert row["reply_channel"] == row["channel"], row
        # no sending credentials in the demo: chat replies wait in the outbox; email goes to var/mail files
        assert [row["reply"] for row in rows] == ["sent", "held", "held"]

        processes = children(demo.pid)
        assert len(processes) == 3  # gunicorn, celery worker, celery beat
        demo.send_signal(signal.SIGINT)  # Ctrl-C
        assert demo.wait(timeout=40) == 0
        assert output.wait_for("Demo stopped", timeout=5)
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in processes) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [pid for pid in processes if alive(pid)] == []
    finally:
        if demo.poll() is None:
            demo.kill()  # its children get SIGTERM from the kernel (PR_SET_PDEATHSIG)
            demo.wait()

    again = manage(["demo", "--setup-only"], env)
    assert again.returncode == 0, again.stderr
    assert logins(again.stdout) == passwords  # same working logins, nothing duplicated
    assert "demo returns in progress: already filed" in again.stdout
