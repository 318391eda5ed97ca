"""The return cases behind the demo store's return refunds (``manage.py seed_demo``, through ``returns.api``).

The demo ledger (``aftersales.demo_data``) books a year of refunds; a refund of cause "return" is what the return
desk leaves behind when it pays a case. This step gives those refunds their cases, so that the dashboard's
drill-down (refund rate → by SKU → the lamp → its return reasons → the return cases) ends on real cases:

* **Which**: every return refund of the lamp ``LAMP-01``, and about three in four of the other return refunds (the
  rest were refunded from the shop's admin, without a case, as real stores also do).
* **What**: the case's reason is the customer's words on the refund mapped to the portal's reasons
  (``policies.choices.ReturnReason``; the words stay as the case's comment), its line is the refunded line, its
  estimate and deductions add up to the refund, and the refund points at it (``source_ref``), as
  ``services.return_case_refund`` writes it. Items worth less than bringing them back (``costs``) were kept by the
  customer ("keep the item", which the returnless savings count); the others travelled back, were received and
  inspected before the refund. The refund deadline is 14 days from the request (the EU's and the UK's legal
  deadline, which the demo store promises everywhere), so a few slow refunds count as late.
* **Status**: resolved at the refund; closed two weeks later when that is before the end of the data.

Why not through ``services``: they stamp every step "now", e-mail the customer at each step and pay a new refund
through the ledger, while these cases are a year of history whose refunds are already in the ledger. So the rows
are written here with their historic timestamps, following the same timeline (every step a ``ReturnEvent``, with
the services' notes) — never a second refund and never more than was captured: only ``source_ref`` of existing
refunds changes.

Deterministic (one ``random.Random`` from the demo seed, RMA numbers included) and idempotent: when demo cases
exist it does nothing. ``demo_returns_delete`` removes the cases of demo orders before the demo orders go.
"""

from __future__ import annotations

import random
import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.utils.translation import gettext_lazy

from aftersales.choices import LegalProfile, OrderSource, RefundCause
from aftersales.demo_data.catalogue import LAMP_SKU
from aftersales.demo_data.common import BATCH, historic_timestamps
from aftersales.models import Refund, Shipment
from aftersales.texts import in_store_language
from policies.choices import Decision, ReturnReason

from .choices import CaseKind, CaseStatus, Disposition, Grade, Resolution, ShippingChoice
from .costs import return_cost_minor
from .models import RMA_ALPHABET, ReturnCase, ReturnEvent, ReturnLine

DEMO_CASE_MARK = "demo-return:"  # prefix of the client_token of a demo case: how they are found again
OTHER_RETURNS_WITH_CASE = 0.75
REFUND_DEADLINE_DAYS = 14
LATE_SHARE = 0.02  # requests the warehouse was slow to refund: past the 14 days (a late one or two a year)
CLOSE_AFTER = timedelta(days=14)
# The customer's words on the demo refunds (``aftersales.demo_data.catalogue.REFUND_REASONS``) → the portal's reasons.
REASONS = {
    "Wrong size": ReturnReason.WRONG_SIZE, "Not as described": ReturnReason.NOT_AS_DESCRIBED,
    "Changed my mind": ReturnReason.CHANGED_MIND, "Quality not as expected": ReturnReason.NOT_AS_DESCRIBED,
    "Colour differs from the photos": ReturnReason.NOT_AS_DESCRIBED, "Arrived damaged": ReturnReason.DEFECTIVE,
    "Ordered by mistake": ReturnReason.CHANGED_MIND,
    "Flickers when dimmed": ReturnReason.DEFECTIVE, "Stopped working after a week": ReturnReason.DEFECTIVE,
    "Arrived with a cracked shade": ReturnReason.DEFECTIVE, "Plug adapter does not fit": ReturnReason.NOT_AS_DESCRIBED,
    "Touch dimmer does not respond": ReturnReason.DEFECTIVE,
}
LABEL_DEDUCTED = "; return label deducted"
FAULTY = {ReturnReason.DEFECTIVE, ReturnReason.NOT_AS_DESCRIBED}


def demo_returns_exist() -> bool:
    return ReturnCase.objects.filter(client_token__startswith=DEMO_CASE_MARK).exists()


@transaction.atomic
def demo_returns_seed(*, seed: int, end: datetime) -> dict[str, int]:
    """Give the demo's return refunds their cases (nothing when demo cases exist). ``end``: the end of the demo
    data; nothing is dated after it. Returns ``{"cases", "lamp_cases", "kept"}`` (all 0 when nothing was made)."""
    made = {"cases": 0, "lamp_cases": 0, "kept": 0}
    if demo_returns_exist():
        return made
    refunds = list(Refund.objects.filter(order__source=OrderSource.DEMO, cause=RefundCause.RETURN, source_ref="")
                   .select_related("order__market", "order__customer").prefetch_related("order__lines")
                   .order_by("succeeded_at", "pk"))
    delivered = dict(Shipment.objects.filter(order__in={r.order_id for r in refunds}, delivered_at__isnull=False)
                     .values_list("order").annotate(first=Min("delivered_at")))
    builder = _CaseBuilder(random.Random(f"{seed}:returns"), end)  # noqa: S311 (demo data, not secrets)
    for refund in refunds:
        line = _refunded_line(refund)
        if line is None or refund.order_id not in delivered or refund.order.customer_id is None:
            continue
        lamp = line.sku == LAMP_SKU
        if not lamp and builder.rng.random() >= OTHER_RETURNS_WITH_CASE:
            continue
        kept = builder.add(refund, line, delivered[refund.order_id], lamp=lamp)
        made["cases"] += 1
        made["lamp_cases"] += lamp
        made["kept"] += kept
    builder.write()
    return made


def demo_returns_delete() -> int:
    """Remove every return case of a demo order (their lines, photos and events go with them)."""
    return ReturnCase.objects.filter(order__source=OrderSource.DEMO).delete()[1].get(ReturnCase._meta.label, 0)


def _refunded_line(refund: Refund):
    """The order line a demo return refund paid for: named at the start of its reason ("SKU: words")."""
    sku = refund.reason.split(": ", 1)[0]
    return next((line for line in refund.order.lines.all() if line.sku == sku), None)


def _words(refund: Refund) -> str:
    return refund.reason.split(": ", 1)[-1].removesuffix(LABEL_DEDUCTED)


class _CaseBuilder:
    """Collects the cases, their lines and timelines in memory, then writes them in a few batched queries."""

    def __init__(self, rng: random.Random, end: datetime):
        self.rng = rng
        self.end = end
        self.tz = zoneinfo.ZoneInfo(settings.STORE_TIME_ZONE)
        self.cases: list[tuple[ReturnCase, Refund, ReturnLine, list[ReturnEvent]]] = []
        self.rmas = set(ReturnCase.objects.values_list("rma", flat=True))

    def _rma(self) -> str:
        while True:
            rma = "R-" + "".join(self.rng.choices(RMA_ALPHABET, k=8))
            if rma not in self.rmas:
                self.rmas.add(rma)
                return rma

    def add(self, refund: Refund, line, delivered_at: datetime, *, lamp: bool) -> bool:
        """One case for ``refund``; True when the customer kept the item."""
        rng, order = self.rng, refund.order
        words = _words(refund)
        reason = REASONS.get(words, ReturnReason.OTHER)
        deducted = refund.reason.endswith(LABEL_DEDUCTED)
        quantity = line.quantity if lamp else 1  # the lamp is refunded whole; other returns are one item
        value = line.total_minor // line.quantity * quantity
        kept = not lamp and not deducted and value <= return_cost_minor(order)
        paid = refund.created_at  # the agent's refund: the case resolves when it is made
        slow = rng.random() < LATE_SHARE
        earliest = delivered_at + timedelta(hours=rng.uniform(4, 30))
        submitted = max(earliest, paid - timedelta(days=rng.uniform(15, 19) if slow else rng.uniform(3, 12)))
        deadline = submitted.astimezone(self.tz).date() + timedelta(days=REFUND_DEADLINE_DAYS)
        estimate = max(value, refund.amount_minor)  # the lamp's faults: the original delivery is refunded too
        case = ReturnCase(
            rma=self._rma(), kind=CaseKind.RETURN, order=order, customer=order.customer, reason=reason,
            comment=words, language=order.customer.language or "en", currency=refund.currency,
            resolution=Resolution.KEEP_ITEM if kept else Resolution.REFUND,
            shipping_choice=ShippingChoice.DEDUCT if deducted else (
                ShippingChoice.FREE if reason in FAULTY else ShippingChoice.OWN_COST),
            estimate_minor=estimate, deductions_minor=estimate - refund.amount_minor, refund_deadline=deadline,
            statutory=order.market.legal_profile in (LegalProfile.EU, LegalProfile.UK),
            client_token=f"{DEMO_CASE_MARK}{refund.idempotency_key}", submitted_at=submitted, resolved_at=paid,
            created_at=submitted - timedelta(seconds=rng.randint(20, 400)))
        return_line = ReturnLine(order_line=line, quantity=quantity, decision=Decision.KEEP_ITEM if kept else
                                 Decision.ELIGIBLE, refund_minor=value,
                                 deduction_minor=0 if kept else estimate - refund.amount_minor)
        events = [self._event(case, "", CaseStatus.DRAFT, case.created_at),
                  self._event(case, CaseStatus.DRAFT, CaseStatus.SUBMITTED, submitted, words)]
        approved = submitted + timedelta(seconds=rng.randint(2, 50))
        if kept:
            events.append(self._event(case, CaseStatus.SUBMITTED, CaseStatus.APPROVED_KEEP_ITEM, approved,
                                      gettext_lazy("Approved automatically: keep the item.")))
            last = CaseStatus.APPROVED_KEEP_ITEM
        else:
            span = paid - approved
            sent = approved + span * rng.uniform(0.1, 0.3)
            case.received_at = approved + span * rng.uniform(0.55, 0.8)
            return_line.inspected_at = case.received_at + span * rng.uniform(0.03, 0.15)
            return_line.grade, return_line.disposition = self._inspection(reason, lamp)
            events += [
                self._event(case, CaseStatus.SUBMITTED, CaseStatus.APPROVED, approved,
                            gettext_lazy("Approved automatically.")),
                self._event(case, CaseStatus.APPROVED, CaseStatus.AWAITING_SHIPMENT, approved),
                self._event(case, CaseStatus.AWAITING_SHIPMENT, CaseStatus.IN_TRANSIT, sent),
                self._event(case, CaseStatus.IN_TRANSIT, CaseStatus.RECEIVED, case.received_at),
                self._event(case, CaseStatus.RECEIVED, CaseStatus.INSPECTED, return_line.inspected_at)]
            last = CaseStatus.INSPECTED
        events.append(self._event(case, last, CaseStatus.RESOLVED, paid, refund.reason))
        case.status, case.updated_at = CaseStatus.RESOLVED, paid
        closed = paid + CLOSE_AFTER
        if closed < self.end:
            events.append(self._event(case, CaseStatus.RESOLVED, CaseStatus.CLOSED, closed))
            case.status, case.updated_at = CaseStatus.CLOSED, closed
        self.cases.append((case, refund, return_line, events))
        return kept

    def _inspection(self, reason: str, lamp: bool) -> tuple[str, str]:
        if lamp:
            return Grade.C, Disposition.RETURN_TO_SUPPLIER
        if reason in FAULTY:
            return Grade.C, self.rng.choice([Disposition.RETURN_TO_SUPPLIER, Disposition.LIQUIDATE])
        return self.rng.choices([(Grade.A, Disposition.RESTOCK), (Grade.B, Disposition.RECONDITION)], [0.7, 0.3])[0]

    @staticmethod
    def _event(case: ReturnCase, from_status: str, to_status: str, at: datetime, note="") -> ReturnEvent:
        return ReturnEvent(case=case, from_status=from_status, to_status=to_status, at=at,
                           note=in_store_language(note) if note else "")

    def write(self):
        if not self.cases:
            return
        with historic_timestamps(ReturnCase):
            ReturnCase.objects.bulk_create([case for case, *_ in self.cases], batch_size=BATCH)
        pks = dict(ReturnCase.objects.filter(client_token__startswith=DEMO_CASE_MARK)
                   .values_list("client_token", "pk"))
        lines, events, refunds = [], [], []
        for case, refund, line, timeline in self.cases:
            case.pk = pks[case.client_token]
            line.case = case
            lines.append(line)
            for event in timeline:
                event.case = case
            events += timeline
            refund.source_ref = case.source_ref
            refunds.append(refund)
        ReturnLine.objects.bulk_create(lines, batch_size=BATCH)
        with historic_timestamps(ReturnEvent):
            ReturnEvent.objects.bulk_create(events, batch_size=BATCH)
        Refund.objects.bulk_update(refunds, ["source_ref"], batch_size=BATCH)

