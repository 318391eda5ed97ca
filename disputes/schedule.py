"""Periodic tasks of ``disputes`` (collected by ``manage.py beat_schedule_sync``)."""

from aftersales.schedule import Entry

ENTRIES = [
    Entry(name="Scan dispute deadlines", task="disputes.scan", every_seconds=300,
          description="Records each due deadline alert of open disputes once (assignee at T-72 h, managers at "
                      "T-24 h, auto-submission at T-12 h where enabled, an incident when overdue); "
                      "a missed run only delays them."),
    Entry(name="Check dispute risk", task="disputes.risk_check", every_seconds=3600,
          description="Records and mails each risk alert once: a provider's dispute rate over a card-network line "
                      "(previous or current month), the PayPal loss run at the warning or red line."),
]
