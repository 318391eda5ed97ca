"""``manage.py disputes_sync [--provider stripe|paypal]``: backfill disputes from each provider's list endpoint.

Thin: ``disputes.sync.disputes_sync`` reads and applies (idempotent: a second run changes nothing). Without
``--provider``, every provider with API credentials; one without them is named and skipped. Prints the counts.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from aftersales.integrations.base import ProviderError
from disputes.choices import DisputeProvider
from disputes.sync import disputes_sync


def _configured(provider: str) -> bool:
    if provider == DisputeProvider.STRIPE:
        return bool(settings.STRIPE_SECRET_KEY)
    return bool(settings.PAYPAL_CLIENT_ID and settings.PAYPAL_CLIENT_SECRET)


class Command(BaseCommand):
    help = "Backfill Stripe and PayPal disputes from the providers' list endpoints (running it twice changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--provider", choices=DisputeProvider.values, help="Only this provider.")

    def handle(self, *args, provider=None, **options):
        providers = [provider] if provider else list(DisputeProvider.values)
        failures = []
        for name in providers:
            label = DisputeProvider(name).label
            if not _configured(name):
                message = _("%(provider)s: no API credentials configured, skipped.") % {"provider": label}
                if provider:
                    raise CommandError(message)
                self.stdout.write(message)
                continue
            try:
                result = disputes_sync(provider=name)
            except ProviderError as error:
                failures.append(f"{label}: {error.message}")
                continue
            counts = result.counts
            self.stdout.write(
                _("%(provider)s: %(read)s read, %(created)s created, %(updated)s updated, %(unchanged)s unchanged, "
                  "%(older)s older than what we have, %(skipped)s skipped.") % {"provider": label, **counts})
            for line in result.skipped:
                self.stderr.write(_("%(provider)s: skipped %(line)s") % {"provider": label, "line": line})
        if failures:
            raise CommandError("; ".join(failures))
