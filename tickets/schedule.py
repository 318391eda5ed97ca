"""Periodic tasks of ``tickets`` (collected by ``manage.py beat_schedule_sync``)."""

from aftersales.schedule import Entry

ENTRIES = [
    Entry(name="Poll the support mailbox", task="tickets.imap_poll", every_seconds=60,
          description="Takes in new mail over IMAP when IMAP_HOST is set (UID-based: none skipped or repeated)."),
    Entry(name="Release the outbox", task="tickets.outbox_release", every_seconds=300,
          description="Sends again what was left queued or held for a channel configured since."),
    Entry(name="Escalate overdue tickets", task="tickets.sla_escalate", every_seconds=120,
          description="Marks tickets past their reply-by time as breached and raises their priority, once."),
    Entry(name="Send satisfaction surveys", task="tickets.csat_send_due", every_seconds=900,
          description="Asks customers a day after their ticket was solved how satisfied they were, once."),
]
