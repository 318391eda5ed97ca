"""``manage.py webhooks_reprocess [--failed] [--provider P] [IDS...]``: queue stored webhook events again.

The same service as the admin's Reprocess action (``webhook_reprocess``): the events go back to
*received* and a worker processes them after commit. Processed and ignored events are never run twice.
With ids, those events; with ``--failed``, every failed one; ``--provider`` narrows either, and alone
means every event of that provider that is not finished (received or failed). Asking for nothing is an
error rather than "everything", so a typo cannot replay the whole inbox.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aftersales.choices import WebhookProvider, WebhookStatus
from aftersales.models import InboundWebhookEvent
from aftersales.services.webhooks import webhook_reprocess


class Command(BaseCommand):
    help = "Queue stored webhook events for processing again (failed ones, one provider's, or by id)."

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", type=int, metavar="ID", help="Ids of InboundWebhookEvent rows.")
        parser.add_argument("--failed", action="store_true", help="Every event whose processing failed.")
        parser.add_argument("--provider", choices=WebhookProvider.values, help="Only this provider's events.")

    def handle(self, *args, ids, failed, provider, **options):
        if not (ids or failed or provider):
            raise CommandError(_("Name the events: give their ids, --failed or --provider."))
        events = InboundWebhookEvent.objects.all()
        if ids:
            events = events.filter(pk__in=ids)
            missing = sorted(set(ids) - set(events.values_list("pk", flat=True)))
            if missing:
                self.stderr.write(_("No such event: %(ids)s") % {"ids": ", ".join(map(str, missing))})
        if failed:
            events = events.filter(status=WebhookStatus.FAILED)
        if provider:
            events = events.filter(provider=provider)
        selected = list(events.order_by("pk").values_list("pk", flat=True))
        queued = webhook_reprocess(event_pks=selected)
        self.stdout.write(ngettext("%(count)d event queued for processing.",
                                   "%(count)d events queued for processing.", queued) % {"count": queued})
        left = len(selected) - queued
        if left:
            self.stdout.write(ngettext("%(count)d event was already processed or ignored and was left as it was.",
                                       "%(count)d events were already processed or ignored and were left as they "
                                       "were.", left) % {"count": left})
