"""Periodic tasks of ``tickets`` (collected by ``manage.py beat_schedule_sync``)."""

from aftersales.schedule import Entry

ENTRIES = [
    Entry(name="Poll the support mailbox", task="tickets.imap_poll", every_seconds=60,
          description="Takes in new mail over IMAP when IMAP_HOST is set (UID-based: none skipped or repeated)."),
    Entry(name="Release the outbox", task="tickets.outbox_release", every_seconds=300,
          description="Sends again what was left queued or held for a channel configured since."),
]
