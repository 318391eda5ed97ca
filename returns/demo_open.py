"""Returns in progress for the demo desk (``manage.py seed_returns``, run by ``make demo`` after the policies).

The demo's year of history (``returns.demo``) ends with every case resolved or closed, so the returns desk would
open empty. These are the cases an agent finds on a Monday morning: filed in the portal over the last two weeks by
customers of five markets in their languages, each through ``services.return_case_submit`` exactly as the portal
files it (judged by the market's policy, priced, routed, the customer e-mailed), some then received by the
warehouse (``return_case_mark_received``): waiting for the parcel, waiting for review (the customer said the item
was used), received and waiting for inspection with the refund due in a few days, kept by the customer with the
refund due.

The orders are the demo's most recent delivered ones that the request suits (nothing refunded, no case yet), so
the same demo gives the same cases; their dates are counted back from today. Idempotent: each case has its own
``client_token``, and one that exists is not filed again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from aftersales.choices import OrderSource, OrderStatus, PaymentStatus
from aftersales.models import Order
from policies.choices import ReturnReason
from policies.eligibility import Answers

from .choices import CaseStatus
from .models import ReturnCase, ReturnEvent
from .selectors import shipping_options
from .services import LineRequest, return_case_mark_received, return_case_submit

OPEN_CASE_MARK = "demo-open:"
SCAN = 40  # recent orders tried per case
RECEIVED_AFTER_DAYS = 6  # the parcel's trip back to the warehouse


@dataclass(frozen=True)
class Planned:
    market: str
    language: str
    reason: str
    days_ago: int
    comment: str
    used: bool = False  # the customer says the item was used: the policy sends it to review
    received: bool = False  # the warehouse has the parcel (when the case is one that comes back)


PLANNED = (
    Planned("US", "en", ReturnReason.WRONG_SIZE, 1, "Too small, I need the next size up."),
    Planned("DE", "de", ReturnReason.CHANGED_MIND, 0, "Einmal getragen, gefällt mir aber nicht.", used=True),
    Planned("FR", "fr", ReturnReason.NOT_AS_DESCRIBED, 3, "La couleur ne correspond pas aux photos."),
    Planned("UK", "en", ReturnReason.DEFECTIVE, 11, "It stopped charging after two days.", received=True),
    Planned("ES", "es", ReturnReason.CHANGED_MIND, 12, "Ya no lo necesito.", received=True),
    Planned("AU", "zh-hans", ReturnReason.WRONG_SIZE, 9, "尺码太大了。", received=True),
)


def demo_open_returns(*, now: datetime | None = None) -> list[ReturnCase]:
    """File the planned returns that are not filed yet; returns the cases made by this call."""
    now = now or timezone.now()
    made = []
    for number, planned in enumerate(PLANNED):
        token = f"{OPEN_CASE_MARK}{number}"
        if ReturnCase.objects.filter(client_token=token).exists():
            continue
        when = now - timedelta(days=planned.days_ago, hours=2 * number)
        with transaction.atomic():
            case = _file(planned, token, when)
            if case is None:
                continue
            _dated(case.events.all(), when)  # the services stamp their steps "now": the request's own time
            if planned.received and case.status == CaseStatus.AWAITING_SHIPMENT:  # not one the customer keeps
                case = return_case_mark_received(case=case, actor=None)
                arrived = min(when + timedelta(days=RECEIVED_AFTER_DAYS), now - timedelta(hours=1))
                _dated(case.events.filter(to_status=CaseStatus.RECEIVED), arrived)
                ReturnCase.objects.filter(pk=case.pk).update(received_at=arrived)
                case.refresh_from_db()
        made.append(case)
    return made


def _dated(events, when: datetime) -> None:
    """Give the steps of one moment that moment (a second apart, in their order)."""
    for offset, event in enumerate(events.order_by("pk")):
        ReturnEvent.objects.filter(pk=event.pk).update(at=when + timedelta(seconds=offset))


def _file(planned: Planned, token: str, when: datetime) -> ReturnCase | None:
    """The planned request on the most recent demo order of its market that the policy accepts it for, sent back
    the way the portal offers first."""
    orders = (Order.objects.filter(source=OrderSource.DEMO, market__code=planned.market, customer__isnull=False,
                                   shipments__delivered_at__lt=when - timedelta(days=2),
                                   payments__status=PaymentStatus.CAPTURED)
              .exclude(status=OrderStatus.CANCELLED).exclude(refunds__isnull=False)
              .exclude(return_cases__isnull=False).prefetch_related("lines").order_by("-placed_at").distinct())
    answers = Answers(unused=not planned.used)
    for order in orders[:SCAN]:
        line = order.lines.all()[0]
        try:
            return return_case_submit(order=order, lines=[LineRequest(line, 1)], reason=planned.reason,
                                      comment=planned.comment, shipping_choice=shipping_options(order)[0][0],
                                      answers=answers, language=planned.language, client_token=token, now=when)
        except ValidationError:  # this order's item is not returnable for this reason: the next one
            continue
    return None
