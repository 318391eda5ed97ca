"""Periodic tasks of the policies app (seeded into the database by ``beat_schedule_sync``)."""

from aftersales.schedule import Entry

ENTRIES = [
    Entry(name="Put scheduled return policies in force", task="policies.activate_due", every_seconds=300,
          description="A scheduled policy version whose time has come supersedes the one in force."),
    Entry(name="Finish policy change notices", task="policies.notices_resume", every_seconds=900,
          description="Sends change notices still unsent for scheduled policy versions."),
    Entry(name="Record the policy version of new orders", task="policies.stamp_orders", every_seconds=600,
          description="Stamps each order with the return policy version in force when it was placed."),
]
