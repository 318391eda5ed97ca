"""``manage.py audit_month YYYY-MM [--recompute]`` or ``manage.py audit_month --backfill`` (issue 9)."""

import re
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from aftersales.audit.services import AuditError, audit_backfill, audit_month


class Command(BaseCommand):
    help = "Compute the audit of a closed month (a recompute stores a new revision), or every missing month."

    def add_arguments(self, parser):
        parser.add_argument("month", nargs="?", help="The month to audit, YYYY-MM.")
        parser.add_argument("--recompute", action="store_true", help="Store a new revision even if one exists.")
        parser.add_argument("--backfill", action="store_true", help="Audit every month with data that has none.")

    def handle(self, *args, month=None, recompute=False, backfill=False, **options):
        if backfill:
            if month or recompute:
                raise CommandError(_("--backfill takes no month and no --recompute."))
            created = audit_backfill()
            self.stdout.write(_("%(count)s month(s) audited: %(months)s") % {
                "count": len(created), "months": ", ".join(f"{a.month:%Y-%m}" for a in created) or "—"})
            return
        match = re.fullmatch(r"(\d{4})-(\d{2})", month or "")
        if not match or not 1 <= int(match[2]) <= 12:
            raise CommandError(_("Give the month as YYYY-MM, e.g. 2026-05, or use --backfill."))
        try:
            audit, created = audit_month(date(int(match[1]), int(match[2]), 1), recompute=recompute)
        except AuditError as error:
            raise CommandError(str(error)) from None
        if created:
            self.stdout.write(_("%(month)s audited: revision %(revision)s.") % {
                "month": f"{audit.month:%Y-%m}", "revision": audit.revision})
        else:
            self.stdout.write(_("%(month)s was already audited (revision %(revision)s); nothing changed. Use "
                                "--recompute for a new revision.") % {"month": f"{audit.month:%Y-%m}",
                                                                      "revision": audit.revision})
