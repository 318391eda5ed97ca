"""``manage.py seed_policies``: publish the demo return policies and FAQ for every demo market (idempotent)."""

from django.core.management.base import BaseCommand

from policies.seed import seed_policies


class Command(BaseCommand):
    help = "Publish demo return policies and FAQ for the demo markets that have none yet."

    def handle(self, *args, **options):
        self.stdout.write(f"return policies: {seed_policies()} published")
