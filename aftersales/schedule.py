"""Periodic tasks of the core app, seeded into the database by ``manage.py beat_schedule_sync``.

Each app may have a ``schedule.py`` with an ``ENTRIES`` list; the command collects them all. Entries are
created once and then belong to the admin (Periodic tasks): a later sync never overwrites an edit.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    name: str
    task: str
    every_seconds: int | None = None
    crontab: str | None = None  # "minute hour day_of_month month_of_year day_of_week"
    crontab_in_store_time: bool = False
    description: str = ""


ENTRIES = [
    Entry(name="Worker heartbeat", task="aftersales.heartbeat", every_seconds=60,
          description="Shows in /healthz when beat and a worker last ran."),
    Entry(name="Resume stalled refunds", task="aftersales.refunds_resume_stalled", every_seconds=300,
          description="Re-queues refunds whose task was lost or whose provider has not answered."),
    Entry(name="Monthly audit", task="aftersales.audit_previous_month", crontab="0 2 1 * *",
          crontab_in_store_time=True,
          description="Audits the month just closed (and any month with data still missing), 02:00 store time."),
    Entry(name="Dashboard: month to date", task="aftersales.dashboard_live_refresh", every_seconds=240,
          description="Renews the dashboard's month-to-date snapshot before it expires (DASHBOARD_LIVE_SECONDS), so "
                      "no manager waits for it."),
    Entry(name="Audit: on-course alerts", task="aftersales.audit_on_course", crontab="0 8 * * *",
          crontab_in_store_time=True,
          description="Emails the managers once when the month so far is on course to cross a line."),
]
