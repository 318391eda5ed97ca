"""Real processes for tests: a Celery worker, a sender, the demo runner; started and always stopped."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def project_env(**overrides: str | None) -> dict[str, str]:
    """The current environment with overrides; ``None`` removes a variable."""
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    env["PYTHONUNBUFFERED"] = "1"
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


class Output:
    """Collects a process's merged output on a thread, so a test can wait for a line."""

    def __init__(self, process: subprocess.Popen):
        self.lines: list[str] = []
        self._changed = threading.Condition()
        threading.Thread(target=self._read, args=(process,), daemon=True).start()

    def _read(self, process):
        for line in process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def wait_for(self, text: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not any(text in line for line in self.lines):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
        return True

    def text(self) -> str:
        with self._changed:
            return "\n".join(self.lines)


@contextlib.contextmanager
def running(command: list[str], env: dict[str, str], ready: str | None = None, timeout: float = 60):
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    output = Output(process)
    try:
        if ready and not output.wait_for(ready, timeout):
            raise AssertionError(f"{command[2:5]} not ready after {timeout}s:\n{output.text()[-3000:]}")
        yield process, output
    finally:
        stop(process)


def stop(process: subprocess.Popen, grace: float = 20):
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def celery_worker(env: dict[str, str], queue: str, concurrency: int = 1):
    """A real ``celery worker`` process (prefork pool) consuming ``queue``."""
    command = [sys.executable, "-m", "celery", "-A", "aftersales", "worker", "--loglevel", "INFO",
               "--queues", queue, "--concurrency", str(concurrency), "--hostname", f"{queue}@%h",
               "--without-gossip", "--without-mingle"]
    return running(command, env, ready="ready.", timeout=90)


def clean_manage_env(var_dir, **values: str | None) -> dict[str, str]:
    """A fresh shell's environment for a development process under ``var_dir``, plus ``values``."""
    keep = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env = {**keep, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "aftersales.settings", "DEBUG": "true",
           "VAR_DIR": str(var_dir), "ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
           "PYTHONUNBUFFERED": "1"}
    env.update({name: value for name, value in values.items() if value is not None})
    return env


def manage(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


def parent_pid(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                if parent_pid(int(entry.name)) == pid:
                    found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
