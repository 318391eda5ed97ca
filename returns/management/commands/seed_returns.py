"""``manage.py seed_returns``: returns in progress for the demo desk (``returns.demo_open``)."""

from django.core.management.base import BaseCommand

from returns.demo_open import PLANNED, demo_open_returns


class Command(BaseCommand):
    help = "File the demo's returns in progress through the portal's services (after seed_demo and seed_policies)."

    def handle(self, *args, **options):
        made = demo_open_returns()
        if not made:
            self.stdout.write("demo returns in progress: already filed (or no demo order suits them).")
            return
        statuses = ", ".join(f"{case.rma} {case.get_status_display().lower()}" for case in made)
        self.stdout.write(f"demo returns in progress: {len(made)} of {len(PLANNED)} filed ({statuses}).")
