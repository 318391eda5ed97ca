"""``manage.py demo``: prepare the embedded demo and run web, worker and beat together until Ctrl-C.

Preparation is idempotent (migrate, compile catalogues, collect static files, seed the beat schedule,
load the demo data where the ``seed_demo`` command exists, create the demo logins), so running it again
is safe. The three processes are children of this one; Ctrl-C or SIGTERM stops all three, and if one of
them dies the others are stopped too, so nothing is left running behind a dead demo.
"""

import contextlib
import ctypes
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError

STOP_GRACE_SECONDS = 25
# Webhook secrets of the demo's own sample deliveries (``demo_messages``): made up per run unless set, given to
# the web process and to the sender only. Sending credentials stay unset, so replies wait in the outbox.
DEMO_WEBHOOK_SECRETS = ("WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN", "MESSENGER_APP_SECRET",
                        "MESSENGER_VERIFY_TOKEN", "MAILGUN_WEBHOOK_SIGNING_KEY", "ANYMAIL_WEBHOOK_SECRET")
WEB_READY_SECONDS = 90


def _die_with_parent():
    """In the child: be sent SIGTERM if this runner dies, even by SIGKILL (Linux prctl PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError):  # not Linux: Ctrl-C and SIGTERM still stop them through _stop_all
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


class Command(BaseCommand):
    help = "Prepare the demo (idempotent), then run web, Celery worker and beat until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--setup-only", action="store_true", help="Prepare, print the logins, exit.")
        parser.add_argument("--no-setup", action="store_true", help="Skip preparation, only run.")
        parser.add_argument("--no-messages", action="store_true",
                            help="Do not send the sample WhatsApp, Messenger and email deliveries.")

    def handle(self, *args, host, port, setup_only, no_setup, no_messages, **options):
        if not no_setup:
            self.prepare()
        if setup_only:
            return
        self.run(host, port, send_messages=not no_messages)

    # -- preparation ------------------------------------------------------------------------------

    def prepare(self):
        self.stdout.write("Preparing the demo …")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("catalogues", "compile", stdout=self.stdout)
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("beat_schedule_sync", stdout=self.stdout)
        # Each app's demo data, where it exists; the returns in progress are filed under the policies, and before
        # the portal samples are chosen (an order with a case is not one).
        for command in ("seed_demo", "seed_policies", "seed_returns"):
            if command in get_commands():
                call_command(command, stdout=self.stdout)
        self._portal_samples("")
        self.stdout.write("Demo logins:")
        call_command("demo_users", stdout=self.stdout)
        if "seed_tickets" in get_commands():  # the support team and its queue (needs the demo logins)
            call_command("seed_tickets", stdout=self.stdout)
        if "seed_disputes" in get_commands():  # disputes from both providers on the demo orders, and their history
            call_command("seed_disputes", stdout=self.stdout)
        call_command("audit_month", backfill=True, stdout=self.stdout)  # after every seed: twelve months of audits

    def _portal_samples(self, base):
        if "portal_samples" in get_commands():  # the returns app's, where it is installed
            call_command("portal_samples", base=base, stdout=self.stdout)

    # -- processes --------------------------------------------------------------------------------

    def run(self, host, port, send_messages=True):
        python = sys.executable
        env = dict(os.environ)
        for name in DEMO_WEBHOOK_SECRETS:
            env.setdefault(name, ("demo:" if name == "ANYMAIL_WEBHOOK_SECRET" else "") + secrets.token_hex(16))
        commands = {
            "web": [python, "-m", "gunicorn", "aftersales.wsgi", "--bind", f"{host}:{port}",
                    "--workers", "2", "--threads", "4", "--access-logfile", "-", "--graceful-timeout", "5",
                    "--no-control-socket"],
            "worker": [python, "-m", "celery", "-A", "aftersales", "worker", "--loglevel", "INFO",
                       "--concurrency", "2", "--hostname", "demo-worker@%h"],
            "beat": [python, "-m", "celery", "-A", "aftersales", "beat", "--loglevel", "INFO",
                     "--pidfile="],
        }
        stopping = threading.Event()
        processes = {}

        def request_stop(signum, frame):
            stopping.set()

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        try:
            for name, command in commands.items():
                # Own session: Ctrl-C reaches this process only, which then stops the children in order.
                # (All started before any relay thread: preexec_fn is only safe while single-threaded.)
                processes[name] = subprocess.Popen(
                    command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
                    start_new_session=True, preexec_fn=_die_with_parent, env=env)
            for name, process in processes.items():
                threading.Thread(target=self._relay, args=(name, process), daemon=True).start()
            base = f"http://{host}:{port}"
            if self._wait_for_web(base, processes, stopping):
                self._banner(base)
                if send_messages:
                    self._send_sample_messages(base, env)
            while not stopping.is_set():
                dead = [name for name, process in processes.items() if process.poll() is not None]
                if dead:
                    raise CommandError(f"{', '.join(dead)} stopped unexpectedly; stopping the demo")
                stopping.wait(1)
        finally:
            self._stop_all(processes)
        self.stdout.write("Demo stopped: web, worker and beat are down.")

    def _send_sample_messages(self, base, env):
        manage_py = str(settings.BASE_DIR / "manage.py")
        sent = subprocess.run([sys.executable, manage_py, "demo_messages", "--base", base], env=env,
                              capture_output=True, text=True, timeout=120, check=False)
        self.stdout.write("Sample messages sent through the webhooks (they become tickets in the desk):")
        self.stdout.write((sent.stdout + sent.stderr).rstrip())
        self.stdout.flush()

    def _relay(self, name, process):
        for line in process.stdout:
            self.stdout.write(f"[{name:<6}] {line.rstrip()}")
            self.stdout.flush()

    def _wait_for_web(self, base, processes, stopping):
        deadline = time.monotonic() + WEB_READY_SECONDS
        while time.monotonic() < deadline and not stopping.is_set():
            if processes["web"].poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310 (local)
                    if response.status == 200:
                        return True
            except OSError:
                pass
            stopping.wait(0.5)
        return False

    def _banner(self, base):
        self.stdout.write(self.style.SUCCESS("\nThe demo is running. Stop it with Ctrl-C.\n"))
        for label, path in [("Log in", "/accounts/login/"), ("Desk (agents)", "/desk/"),
                            ("Dashboard (managers)", "/dashboard/"), ("Customer portal", "/en/portal/"),
                            ("Admin", "/admin/"), ("Health", "/healthz")]:
            self.stdout.write(f"  {label:<22} {base}{path}")
        self.stdout.write("")
        self._portal_samples(base)
        self.stdout.write("\nDemo logins:")
        call_command("demo_users", stdout=self.stdout)
        self.stdout.write("")
        self.stdout.flush()

    def _stop_all(self, processes):
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
