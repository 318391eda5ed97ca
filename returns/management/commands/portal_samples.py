"""``manage.py portal_samples``: orders to try the customer portal with, one per demo language."""

from django.core.management.base import BaseCommand

from returns.selectors import portal_samples

# Each demo language with the market whose orders it is shown with (Chinese-speaking customers in Australia).
DEMO_LANGUAGES = {"en": "US", "es": "ES", "de": "DE", "fr": "FR", "zh-hans": "AU"}


class Command(BaseCommand):
    help = "Print an order per demo language that can be returned in the customer portal right now."

    def add_arguments(self, parser):
        parser.add_argument("--base", default="", help="The site's address, to print full portal URLs.")

    def handle(self, *args, base, **options):
        samples = portal_samples(DEMO_LANGUAGES)
        if not samples:
            self.stdout.write("No order can be returned in the portal yet (load the demo data first).")
            return
        self.stdout.write("Try the customer portal (order number and email):")
        for sample in samples:
            self.stdout.write(f"  {sample.language:<8} {base}/{sample.language}/portal/  "
                              f"{sample.order_number:<10} {sample.email}  ({sample.market_code})")
