"""``manage.py seed_demo [--reset] [--today YYYY-MM-DD] [--orders N] [--seed S]``: load the demo store.

A year of believable data (six markets, ~40 products, ~5,000 orders with payments, shipments, tracking,
proof of delivery and refunds, and the return cases behind the return refunds) and the month in progress up to
today, built by
``aftersales.demo_data``: deterministic, and idempotent: when demo data exists it does nothing and says so;
``--reset`` removes the demo rows and builds them again.
``make demo`` runs it through ``manage.py demo``.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from aftersales.demo_data import DemoDataError, DemoDataInUse, seed_demo_data
from aftersales.demo_data.catalogue import LAMP_SKU
from aftersales.demo_data.seed import DEFAULT_ORDERS, SEED


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("%(value)s is not a date: use YYYY-MM-DD.") % {"value": value}) from None


class Command(BaseCommand):
    help = "Load the demo store (a year of orders, shipments and refunds) unless it is already there."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Remove the demo data first and build it again.")
        parser.add_argument("--today", type=_date, default=None,
                            help="Pretend today is this date (YYYY-MM-DD); the data ends at its start.")
        parser.add_argument("--orders", type=int, default=DEFAULT_ORDERS,
                            help="How many orders in the twelve whole months (default 5000); the month in progress "
                                 "gets more at the same pace.")
        parser.add_argument("--seed", type=int, default=SEED, help="Random seed (same seed, same data).")

    def handle(self, *args, reset, today, orders, seed, **options):
        if orders < 1:
            raise CommandError(_("--orders must be at least 1."))
        try:
            result = seed_demo_data(today=today, orders=orders, seed=seed, reset=reset)
        except DemoDataInUse as error:
            raise CommandError(_("The demo data cannot be removed because other records use it: %(error)s")
                               % {"error": error}) from error
        except DemoDataError as error:
            raise CommandError(str(error)) from error
        if not result.created:
            self.stdout.write(_("Demo data is already loaded (%(orders)s orders): nothing to do. "
                                "Run seed_demo --reset to build it again.")
                              % {"orders": number_format(result.orders, force_grouping=True)})
            if result.return_cases.get("cases"):
                self.stdout.write(self._cases(result.return_cases))
            return
        counts = result.counts
        whole = {"seconds": result.seconds, "start": result.start.date().isoformat(),
                 "orders": number_format(result.orders - result.this_month, force_grouping=True),
                 "end": result.month_start.date().isoformat()}
        loaded = _("Demo data loaded in %(seconds).1f s: %(orders)s orders placed from %(start)s to %(end)s.") % whole
        if result.this_month:
            loaded = _("Demo data loaded in %(seconds).1f s: %(orders)s orders placed from %(start)s to %(end)s, and "
                       "%(more)s this month up to %(today)s.") % {
                **whole, "more": number_format(result.this_month, force_grouping=True),
                "today": result.end.date().isoformat()}
        self.stdout.write(self.style.SUCCESS(loaded))
        made = _("%(customers)s customers, %(payments)s payments, %(shipments)s shipments with %(events)s tracking "
                 "events, %(refunds)s refunds, %(coupons)s coupons, %(rates)s exchange rates.") % {
            "customers": counts["customers"], "payments": counts["payments"], "shipments": counts["shipments"],
            "events": counts["tracking_events"], "refunds": counts["refunds"], "coupons": counts["coupons"],
            "rates": counts["exchange_rates"]}
        rates = _("Refund rate over the year: %(rate).1f %% of captured sales; %(sku)s: %(lamp).0f %% of its sales."
                  ) % {"rate": 100 * result.refund_rate, "sku": LAMP_SKU, "lamp": 100 * result.lamp_refund_share}
        self.stdout.write(f"  {made}\n  {rates}")
        if result.return_cases:
            self.stdout.write(self._cases(result.return_cases))

    @staticmethod
    def _cases(made: dict) -> str:
        return "  " + _("%(cases)s return cases behind the return refunds (%(lamp)s of %(sku)s, %(kept)s kept by the "
                        "customer).") % {"cases": made["cases"], "lamp": made["lamp_cases"], "sku": LAMP_SKU,
                                        "kept": made["kept"]}
