"""Periodic tasks of ``disputes`` (collected by ``manage.py beat_schedule_sync``)."""

from aftersales.schedule import Entry

ENTRIES = [
    Entry(name="Scan dispute deadlines", task="disputes.scan", every_seconds=300,
          description="Records each due deadline alert of open disputes once (assignee at T-72 h, managers at "
                      "T-24 h, auto-submission at T-12 h where enabled, an incident when overdue); "
                      "a missed run only delays them."),
]
