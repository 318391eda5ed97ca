"""The IMAP poller against a real IMAP server: Debian's Dovecot (package dovecot-imapd, installed by .ci/run),
started for the test with its own configuration, users file and Maildir on a free port."""

import contextlib
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from tickets.models import Mailbox, Message

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

DOVECOT = "/usr/sbin/dovecot"
CONFIG = """protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_login_user = dovenull
default_internal_user = dovecot
default_internal_group = dovecot
first_valid_uid = 100
first_valid_gid = 100
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = {root}/users
}}
userdb {{
  driver = passwd-file
  args = {root}/users
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dovecot():
    if not Path(DOVECOT).exists():
        pytest.skip("needs Debian's Dovecot (apt-get install dovecot-imapd), as .ci/run installs")
    if os.geteuid() != 0:
        pytest.skip("Dovecot's master process must start as root to switch to its own users")
    account = pwd.getpwnam("dovecot")
    root = Path(tempfile.mkdtemp(prefix="dovecot-"))
    root.chmod(0o755)  # the login and mail processes run as dovecot / dovenull
    port = free_port()
    (root / "mail").mkdir()
    os.chown(root / "mail", account.pw_uid, account.pw_gid)
    (root / "users").write_text(f"support:{{PLAIN}}s3cret:{account.pw_uid}:{account.pw_gid}::{root}/mail/support\n")
    (root / "dovecot.conf").write_text(CONFIG.format(root=root, port=port))
    subprocess.run([DOVECOT, "-c", str(root / "dovecot.conf")], check=True, timeout=30)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                client = imaplib.IMAP4("127.0.0.1", port, timeout=5)
                client.login("support", "s3cret")
                break
            except (OSError, imaplib.IMAP4.error):
                if time.monotonic() > deadline:
                    raise AssertionError((root / "dovecot.log").read_text()[-2000:]) from None
                time.sleep(0.3)
        yield port, client
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()
    finally:
        subprocess.run(["doveadm", "-c", str(root / "dovecot.conf"), "stop"], timeout=30, check=False,
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def mail(n):
    message = EmailMessage()
    message["From"], message["To"] = f"Customer {n} <c{n}@example.com>", "support@localhost"
    message["Subject"], message["Message-ID"] = f"Question {n}", make_msgid(domain="example.com")
    message.set_content(f"Hello, this is question number {n} about my order.")
    return message.as_bytes()


def test_the_poller_takes_each_message_once_and_leaves_it_unread(dovecot, settings, tasks_inline,
                                                                  django_capture_on_commit_callbacks):
    from tickets.imap import imap_poll

    port, client = dovecot
    settings.IMAP_HOST, settings.IMAP_PORT, settings.IMAP_FOLDER = "127.0.0.1", port, "INBOX"
    settings.IMAP_USER, settings.IMAP_PASSWORD = "support", "s3cret"
    for n in range(3):
        client.append("INBOX", None, None, mail(n))
    with django_capture_on_commit_callbacks(execute=True):
        assert imap_poll() == 3
    with django_capture_on_commit_callbacks(execute=True):
        assert imap_poll() == 0  # a restart finds nothing new and repeats nothing
    client.append("INBOX", None, None, mail(3))
    with django_capture_on_commit_callbacks(execute=True):
        assert imap_poll() == 1
    assert Message.objects.filter(channel="email", direction="inbound").count() == 4
    senders = Message.objects.filter(direction="inbound").values_list("sender", flat=True)
    assert sorted(senders) == [f"c{n}@example.com" for n in range(4)]
    box = Mailbox.objects.get()
    assert box.last_uid == 4
    assert box.uidvalidity > 0
    client.select("INBOX", readonly=True)
    _status, flags = client.uid("FETCH", "1:*", "(FLAGS)")
    assert all(b"\\Seen" not in line for line in flags)  # BODY.PEEK: the mailbox still shows them unread
