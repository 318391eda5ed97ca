"""Reads of the returns app. Whatever a portal visitor can reach is read through an access-checked selector here.

* ``order_for_lookup`` answers "find my order": the order whose number and email address or postcode
  match, else ``None``. It does the same work whether the number exists or not (one query, the same
  comparisons against a stand-in), so neither its answer nor its timing tells the two apart.
* ``order_for_portal`` is the only way a portal view gets an order: the one the session unlocked, named by
  that session's token (``portal_access``), with what its page shows prefetched; anything else is a 404.
* ``order_page_for_portal`` turns that order into what the page shows: prices in the viewer's language,
  each line's return eligibility from the policies engine, shipments with their events newest first and
  the policy that applies. Its query count does not depend on the number of lines or events.
* ``refunds_for_portal`` tells the customer where each refund of their case is (prepared, sent, paid, delayed),
  so "where is my refund?" is answered on the case's page rather than by a ticket.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from aftersales.choices import OrderStatus, PaymentStatus, ProductCategory, RefundStatus
from aftersales.models import Order, OrderLine, Shipment, TrackingEvent
from aftersales.money import format_money
from policies.api import EligibilityDecision, EligibilityRequest, applicable_clauses, decide
from policies.choices import DayKind, Decision, RequestKind, ShippingPayer

from . import portal_access
from .choices import CaseKind
from .desk_selectors import refunds_of

_SPACES = re.compile(r"\s+")
# What a lookup compares with when no order has the number: the same work, never a match.
_STAND_IN = "\x00no-such-order\x00"


# -- find my order ---------------------------------------------------------------------------------

def normalise_order_number(value: str) -> str:
    """``' # 1001 '`` → ``'1001'``: no blanks, no leading ``#``, case folded."""
    return _SPACES.sub("", value or "").lstrip("#").casefold()


def _normalise_email(value: str) -> str:
    return (value or "").strip().casefold()


def _normalise_postcode(value: str) -> str:
    return _SPACES.sub("", value or "").casefold()


def _same(given: str, stored: str) -> bool:
    """Constant-time equality of two normalised values; an empty stored value never matches."""
    equal = hmac.compare_digest(given.encode("utf-8"), stored.encode("utf-8"))
    return equal and bool(stored)


def order_for_lookup(*, order_number: str, contact: str) -> Order | None:
    """The order numbered ``order_number`` (with or without ``#``, any case) whose checkout email, customer
    email or delivery postcode is ``contact`` (any case, any blanks); ``None`` for every other case."""
    number = normalise_order_number(order_number)
    candidates = list(Order.objects.select_related("customer")
                      .filter(Q(number__iexact=number) | Q(number__iexact=f"#{number}")).order_by("pk")[:2])
    email, postcode = _normalise_email(contact), _normalise_postcode(contact)
    found = None
    for candidate in candidates or [None]:
        stored_emails = (candidate.email, candidate.customer.email) if candidate else (_STAND_IN, _STAND_IN)
        stored_postcode = candidate.ship_postcode if candidate else _STAND_IN
        matches = [_same(email, _normalise_email(stored)) for stored in stored_emails]
        matches.append(_same(postcode, _normalise_postcode(stored_postcode)))
        if any(matches) and candidate is not None and found is None:
            found = candidate
    return found


# -- the unlocked order ----------------------------------------------------------------------------

def order_for_portal(request_session, token: str) -> Order:
    """The order this session unlocked, if ``token`` is this session's token for it; else ``Http404``."""
    order_id = portal_access.unlocked_order_id(request_session, token)
    if order_id is None:
        raise Http404
    order = _orders_for_page().filter(pk=order_id).first()
    if order is None:
        raise Http404
    return order


def _orders_for_page():
    """Orders with everything the order page reads, in a fixed number of queries."""
    return (Order.objects.select_related("market", "customer")
            .prefetch_related(
                Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("id")),
                Prefetch("shipments", queryset=Shipment.objects.order_by("shipped_at", "id").prefetch_related(
                    Prefetch("events", queryset=TrackingEvent.objects.order_by("-occurred_at", "-id")),
                    "items"))))


@dataclass(frozen=True)
class PortalSample:
    language: str
    market_code: str
    order_number: str
    email: str


def portal_samples(languages: dict[str, str], *, scan: int = 25) -> list[PortalSample]:
    """For each ``{language: market code}``, a recent order of that market a customer could return right now
    (delivered, paid, nothing refunded, no case yet, a line eligible for a change-of-mind return) — what the demo
    prints so that anyone can walk the portal from lookup to refund. Languages without such an order are left out;
    no two samples share an order."""
    samples, used = [], set()
    for language, market_code in languages.items():
        candidates = (_orders_for_page()
                      .filter(market__code=market_code, shipments__delivered_at__isnull=False,
                              payments__status=PaymentStatus.CAPTURED, customer__isnull=False)
                      .exclude(status=OrderStatus.CANCELLED).exclude(refunds__isnull=False)
                      .exclude(return_cases__isnull=False).exclude(pk__in=used)
                      .order_by("-placed_at").distinct()[:scan])
        for order in candidates:
            page = order_page_for_portal(order, language=language)
            if any(view.decision and view.decision.outcome == Decision.ELIGIBLE for view in page.lines):
                samples.append(PortalSample(language=language, market_code=market_code,
                                            order_number=order.number, email=order.email))
                used.add(order.pk)
                break
    return samples


# -- the order page --------------------------------------------------------------------------------

@dataclass(frozen=True)
class LineView:
    line: OrderLine
    unit_price: str
    total: str
    decision: EligibilityDecision | None
    decision_label: str
    deductions: str  # formatted, empty when nothing is deducted


@dataclass(frozen=True)
class PolicyView:
    market_code: str
    clauses: list[tuple[str, str]]  # (label, text) in the viewer's language


@dataclass(frozen=True)
class OrderPage:
    order: Order
    placed_on: date
    total: str
    lines: list[LineView]
    shipments: list[Shipment]
    policy: PolicyView | None


def order_page_for_portal(order: Order, *, language: str, today: date | None = None) -> OrderPage:
    """What the order page shows, from an order ``order_for_portal`` returned (its prefetches are used)."""
    zone = ZoneInfo(order.market.time_zone or "UTC")
    today = today or timezone.localdate(timezone=zone)
    shipments = list(order.shipments.all())
    clauses = applicable_clauses(order)

    def money(minor):
        return format_money(minor, order.currency, language)

    lines = []
    for line in order.lines.all():
        decision = None
        if clauses is not None:
            product = line.product
            decision = decide(EligibilityRequest(
                clauses=clauses, legal_profile=order.market.legal_profile, line_total_minor=line.total_minor,
                category=product.category if product else ProductCategory.OTHER,
                final_sale=product.final_sale if product else False,
                delivered_on=_delivered_on(line, shipments, zone), requested_on=today,
                kind=RequestKind.CHANGE_OF_MIND))
        lines.append(LineView(
            line=line, unit_price=money(line.unit_price_minor), total=money(line.total_minor), decision=decision,
            decision_label=(Decision(decision.outcome).label if decision
                            else _("Our team will confirm whether this item can be returned.")),
            deductions=money(decision.deductions_minor) if decision and decision.deductions_minor else ""))
    return OrderPage(order=order, placed_on=timezone.localtime(order.placed_at, zone).date(),
                     total=money(order.total_minor), lines=lines, shipments=shipments,
                     policy=_policy_view(order, clauses, money) if clauses is not None else None)


def _delivered_on(line: OrderLine, shipments: list[Shipment], zone: ZoneInfo) -> date | None:
    """When the line arrived: the latest delivery of the shipments that carried it, else of any shipment."""
    carrying = [s for s in shipments if s.delivered_at and any(i.line_id == line.pk for i in s.items.all())]
    delivered = carrying or [s for s in shipments if s.delivered_at]
    if not delivered:
        return None
    return timezone.localtime(max(s.delivered_at for s in delivered), zone).date()


def _policy_view(order: Order, clauses, money) -> PolicyView:
    shipping = {
        ShippingPayer.STORE: _("We pay for return shipping."),
        ShippingPayer.CUSTOMER: _("You send the item back at your own cost."),
        ShippingPayer.DEDUCTED: _("Return shipping of %(fee)s is deducted from your refund.")
        % {"fee": money(clauses.return_shipping_fee_minor)},
    }[clauses.return_shipping_payer]
    return PolicyView(market_code=order.market.code.lower(), clauses=[
        (_("Return window"), _("%(days)s days from delivery.") % {"days": clauses.window_days}),
        (_("Return shipping"), shipping),
        (_("Refund"), _("Within %(days)s %(kind)s of receiving your return.")
         % {"days": clauses.refund_days, "kind": DayKind(clauses.refund_day_kind).label}),
    ])


# -- starting a return and following it ---------------------------------------------------------------

def returnable_lines(order: Order) -> list[tuple[OrderLine, int]]:
    """Each line with the quantity still returnable (what earlier, live return cases have not taken)."""
    from .services import returned_quantities

    taken = returned_quantities(order)
    lines = []
    for line in order.lines.all():
        available = line.quantity - taken.get(line.pk, 0)
        if available > 0:
            lines.append((line, available))
    return lines


def shipping_options(order: Order) -> list[tuple[str, str]]:
    """The ways of sending an item back that the order's policy allows, with the amount where one applies."""
    from .choices import ShippingChoice

    clauses = applicable_clauses(order)
    if clauses is None or clauses.return_shipping_payer == ShippingPayer.STORE:
        return [(ShippingChoice.FREE, str(ShippingChoice.FREE.label))]
    options = [(ShippingChoice.OWN_COST, str(ShippingChoice.OWN_COST.label))]
    if clauses.return_shipping_payer == ShippingPayer.DEDUCTED:
        fee = format_money(clauses.return_shipping_fee_minor, order.currency, get_language() or "en")
        label = _("Use our return label: %(fee)s is deducted from your refund") % {"fee": fee}
        options.insert(0, (ShippingChoice.DEDUCT, label))
    return options


def case_for_portal(request_session, token: str, rma: str):
    """A return case of the order this session unlocked, by its RMA; ``Http404`` for anything else."""
    from .models import ReturnCase

    order = order_for_portal(request_session, token)
    case = (ReturnCase.objects.select_related("order__market", "customer")
            .prefetch_related("lines__order_line", "events").filter(order=order, rma=rma).first())
    if case is None:
        raise Http404
    return order, case


def return_address(order: Order) -> str:
    """Where the parcel goes: the address of the policy in force now (the warehouse may have moved since
    checkout), else the one the order was placed under."""
    from policies.api import in_force, placed_under

    for version in (in_force(order.market), placed_under(order)):
        if version is not None and version.return_address:
            return version.return_address
    return ""


@dataclass(frozen=True)
class QuoteLine:
    title: str
    quantity: int
    amount: str
    decision_label: str
    reasons: list[str]


@dataclass(frozen=True)
class QuoteView:
    lines: list[QuoteLine]
    gross: str
    deductions: str
    net: str
    has_deductions: bool
    refund_deadline: date | None
    keep_item: bool


def quote_view(quote, language: str) -> QuoteView:
    """The review step's estimate, line by line, formatted in the customer's language."""
    def money(minor):
        return format_money(minor, quote.currency, language)

    lines = [QuoteLine(title=request.order_line.title, quantity=request.quantity, amount=money(minor),
                       decision_label=str(Decision(decision.outcome).label),
                       reasons=[str(reason) for reason in decision.reasons])
             for request, decision, minor in quote.lines]
    return QuoteView(lines=lines, gross=money(quote.gross_minor), deductions=money(quote.deductions_minor),
                     net=money(quote.net_minor), has_deductions=quote.deductions_minor > 0,
                     refund_deadline=quote.refund_deadline, keep_item=quote.outcomes == {Decision.KEEP_ITEM})


@dataclass(frozen=True)
class OfferView:
    headline: str
    detail: str
    accept_label: str
    seller_bears_risk: bool


def not_received_offer_view(quote, language: str) -> OfferView:
    """The not-received offer in the customer's words and currency."""
    from policies.choices import NotReceivedOffer

    amount = format_money(quote.amount_minor, quote.currency, language)
    if quote.kind == NotReceivedOffer.COUPON:
        headline = _("Store credit of %(amount)s") % {"amount": amount}
        detail = _("%(percent)s%% of your order as store credit for your next order, valid for one year, "
                   "without sending anything back.") % {"percent": quote.percent}
        accept = _("Accept the store credit")
    else:
        headline = _("A refund of %(amount)s") % {"amount": amount}
        detail = _("%(percent)s%% of your order back to your original payment, while the carrier looks for "
                   "the parcel.") % {"percent": quote.percent}
        accept = _("Accept the refund")
    return OfferView(headline=headline, detail=detail, accept_label=accept, seller_bears_risk=quote.seller_bears_risk)


@dataclass(frozen=True)
class PortalRefund:
    """A refund of a case as its customer reads it: how much, and where it is, in their words."""

    amount_minor: int
    currency: str
    status: str
    says: str


def refunds_for_portal(case) -> list[PortalRefund]:
    """The refunds paid for ``case`` (``Refund.source_ref``), oldest first, each with a sentence saying where the money
    is: being prepared, sent (and when, with how long banks take), paid, or delayed with the team told. One query."""
    def day(moment) -> str:
        return date_format(timezone.localtime(moment), "DATE_FORMAT")

    found = []
    for refund in refunds_of(case):  # the desk's own list of the case's refunds: the customer sees the same
        if refund.status == RefundStatus.SUCCEEDED:
            says = _("Paid on %(date)s to your original payment method.") % {
                "date": day(refund.succeeded_at or refund.created_at)}
        elif refund.status == RefundStatus.REQUESTED:
            says = _("Sent on %(date)s to your original payment method; it can take 5 to 10 business days to show "
                     "on your statement.") % {"date": day(refund.requested_at or refund.created_at)}
        elif refund.status == RefundStatus.FAILED:
            says = _("Delayed: our team has been told and will contact you.")
        else:
            says = _("Being prepared.")
        found.append(PortalRefund(refund.amount_minor, refund.currency, refund.status, says))
    return found


def case_items(case) -> list[tuple[int, str]]:
    """(quantity, title) of what a case is about: its lines, or every line of the order for a cancellation."""
    lines = [(line.quantity, line.order_line.title) for line in case.lines.all()]
    if not lines and case.kind == CaseKind.CANCELLATION:
        lines = [(line.quantity, line.title) for line in case.order.lines.all()]
    return lines


def coupon_of(case):
    """The store credit a not-received claim was settled with, if any."""
    from aftersales.models import Coupon

    if case.kind != "not_received" or case.resolution != "store_credit":
        return None
    return Coupon.objects.filter(order_id=case.order_id, code=f"NR-{case.rma}").first()


def return_cases_for_customer(customer, *, limit: int = 10) -> list:
    """The customer's return cases for the ticket desk's sidebar, newest first, with their order."""
    from .models import ReturnCase

    return list(ReturnCase.objects.filter(customer=customer).select_related("order").order_by("-created_at")[:limit])
