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
        assert log_in(base, "agent", passwords["agent"]).geturl() == f"{base}/desk/"
        assert log_in(base, "manager", passwords["manager"]).geturl() == f"{base}/desk/"
        for url in ("/desk/", "/dashboard/", "/en/portal/", "/admin/", "/healthz"):
            assert f"{base}{url}" in output.text()

        sent = manage(["shell", "-v", "0", "-c", PING], env)  # the demo's own worker answers
        assert sent.returncode == 0, sent.stderr + output.text()[-3000:]
        assert json.loads(sent.stdout.strip().splitlines()[-1])["token"] == "from-demo-test"

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
