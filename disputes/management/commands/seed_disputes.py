"""``manage.py seed_disputes``: demo disputes from both providers on demo orders — open ones for the desk and a year
of decided ones for the outcomes and risk page.

Every dispute is made by replaying provider-shaped events (a Stripe ``charge.dispute.*`` event, a PayPal
``CUSTOMER.DISPUTE.*`` webhook body, built here in the shape of the providers' documented payloads) through the
real services (``dispute_upsert_from_stripe`` / ``dispute_upsert_from_paypal``), which link each one to its demo
payment and order by the provider's payment reference and compute the internal deadline.

* **Open** (times relative to now): internal deadlines within 24 h (the managers' escalation), within 72 h (the
  assignee's reminder), a few days out, and one already overdue (an incident), so that the beat-driven deadline
  scan escalates them within its first runs; plus one under review.
* **Decided**, over the last 12 months, won and lost, with the completeness their packet had when submitted (the
  demo history has no packets, so the score is set on the row, the one write outside the services); the two
  newest decided PayPal disputes are lost, so the PayPal loss run stands at its warning. The risk check then runs
  once so that its alerts are on the desk at once (the beat runs it hourly afterwards).

Idempotent: event and dispute ids are fixed, so a second run changes nothing (the services ignore an event they
have already applied), and the command says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from aftersales.integrations.stripe.gateway import stripe_amount
from aftersales.models import Payment
from aftersales.money import from_minor
from disputes.models import Dispute
from disputes.risk_services import risk_check
from disputes.services import dispute_upsert_from_paypal, dispute_upsert_from_stripe

STRIPE_PREFIX, PAYPAL_PREFIX = "dp_demo_", "PP-D-DEMO-"
NETWORK_CODES = {"fraudulent": "10.4", "product_not_received": "13.1", "product_unacceptable": "13.3",
                 "subscription_canceled": "13.2", "credit_not_processed": "13.6", "duplicate": "12.6.1"}


@dataclass(frozen=True)
class Open:
    key: str
    provider: str
    reason: str  # the provider's own reason code
    opened_hours_ago: float
    respond_in_hours: float  # the provider's deadline, from now
    inquiry: bool = False
    under_review: bool = False


@dataclass(frozen=True)
class Decided:
    key: str
    provider: str
    reason: str
    won: bool
    opened_days_ago: int
    decided_after_days: int
    completeness: int


OPEN = [
    # Internal deadline = min(opened + 7 days, respond_by − 48 h).
    Open("s01", "stripe", "fraudulent", 6 * 24 + 4, 10 * 24, inquiry=True),  # due in 20 h: managers at T-24 h
    Open("s02", "stripe", "product_not_received", 4 * 24 + 12, 20 * 24),  # due in 60 h: assignee at T-72 h
    Open("s03", "stripe", "product_unacceptable", 2 * 24, 21 * 24),  # due in 5 days
    Open("s04", "stripe", "product_not_received", 8 * 24, 3 * 24),  # overdue by a day: an incident
    Open("s05", "stripe", "subscription_canceled", 3 * 24, 12 * 24, under_review=True),  # evidence submitted
    Open("p01", "paypal", "MERCHANDISE_OR_SERVICE_NOT_RECEIVED", 24, 66),  # due in 18 h
    Open("p02", "paypal", "MERCHANDISE_OR_SERVICE_NOT_AS_DESCRIBED", 2 * 24, 110),  # due in 62 h
    Open("p03", "paypal", "UNAUTHORISED", 1, 20 * 24, inquiry=True),  # due in 7 days
]
DECIDED = [
    Decided("s11", "stripe", "fraudulent", True, 330, 60, 100),
    Decided("s12", "stripe", "product_not_received", True, 300, 45, 85),
    Decided("s13", "stripe", "product_unacceptable", False, 270, 50, 40),
    Decided("s14", "stripe", "fraudulent", False, 240, 55, 60),
    Decided("s15", "stripe", "product_not_received", True, 200, 40, 100),
    Decided("s16", "stripe", "duplicate", True, 170, 30, 100),
    Decided("s17", "stripe", "credit_not_processed", False, 140, 35, 55),
    Decided("s18", "stripe", "product_not_received", True, 110, 30, 90),
    Decided("s19", "stripe", "fraudulent", True, 80, 40, 100),
    Decided("s20", "stripe", "subscription_canceled", False, 60, 30, 30),
    Decided("s21", "stripe", "product_not_received", True, 40, 25, 100),
    Decided("p11", "paypal", "MERCHANDISE_OR_SERVICE_NOT_RECEIVED", True, 320, 30, 100),
    Decided("p12", "paypal", "MERCHANDISE_OR_SERVICE_NOT_AS_DESCRIBED", False, 280, 30, 50),
    Decided("p13", "paypal", "MERCHANDISE_OR_SERVICE_NOT_RECEIVED", True, 230, 25, 95),
    Decided("p14", "paypal", "UNAUTHORISED", False, 190, 30, 45),
    Decided("p15", "paypal", "MERCHANDISE_OR_SERVICE_NOT_RECEIVED", True, 150, 20, 100),
    Decided("p16", "paypal", "MERCHANDISE_OR_SERVICE_NOT_AS_DESCRIBED", True, 100, 20, 80),
    Decided("p17", "paypal", "MERCHANDISE_OR_SERVICE_NOT_RECEIVED", False, 75, 25, 70),  # the run: 2 losses
    Decided("p18", "paypal", "MERCHANDISE_OR_SERVICE_NOT_AS_DESCRIBED", False, 45, 24, 60),
]


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class Command(BaseCommand):
    help = "Create demo disputes from Stripe and PayPal on demo orders, open and decided (idempotent)."

    def handle(self, *args, **options):
        if Dispute.objects.filter(Q(provider_id__startswith=STRIPE_PREFIX)
                                  | Q(provider_id__startswith=PAYPAL_PREFIX)).exists():
            self.stdout.write("demo disputes: already there")
            return
        if not Payment.objects.filter(provider__in=["stripe", "paypal"], captured_at__isnull=False).exists():
            self.stdout.write("demo disputes: no Stripe or PayPal payments to dispute (run seed_demo first)")
            return
        now = timezone.now().replace(microsecond=0)
        self.used: set[int] = set()
        for spec in OPEN:
            opened = now - timedelta(hours=spec.opened_hours_ago)
            self._replay(spec.provider, spec.key, spec.reason, opened=opened,
                         respond_by=now + timedelta(hours=spec.respond_in_hours), inquiry=spec.inquiry,
                         under_review=spec.under_review)
        for spec in DECIDED:
            opened = now - timedelta(days=spec.opened_days_ago)
            self._replay(spec.provider, spec.key, spec.reason, opened=opened, respond_by=opened + timedelta(days=14),
                         decided=opened + timedelta(days=spec.decided_after_days), won=spec.won)
            # The score the packet had when it was submitted: demo history has no packets to score.
            Dispute.objects.filter(provider_id=self._dispute_id(spec.provider, spec.key)).update(
                completeness=spec.completeness)
        alerts = risk_check(now=now)
        self.stdout.write(f"demo disputes: {len(OPEN)} open and {len(DECIDED)} decided from Stripe and PayPal; "
                          f"risk alerts raised: {sum(alerts.values())}")

    # -- one dispute ----------------------------------------------------------------------------------------------

    @staticmethod
    def _dispute_id(provider: str, key: str) -> str:
        return f"{STRIPE_PREFIX}{key}" if provider == "stripe" else f"{PAYPAL_PREFIX}{key.upper()}"

    def _payment(self, provider: str, before: datetime) -> Payment:
        """The newest payment of the provider captured at least two days before the dispute (else the oldest)."""
        payments = Payment.objects.filter(provider=provider, captured_at__isnull=False, captured_minor__gt=0,
                                          disputes__isnull=True).exclude(pk__in=self.used)
        payment = (payments.filter(captured_at__lte=before - timedelta(days=2)).order_by("-captured_at", "-id").first()
                   or payments.order_by("captured_at", "id").first())
        self.used.add(payment.pk)
        return payment

    def _replay(self, provider, key, reason, *, opened, respond_by, inquiry=False, under_review=False, decided=None,
                won=False):
        payment = self._payment(provider, opened)
        if provider == "stripe":
            self._stripe(key, reason, payment, opened=opened, respond_by=respond_by, inquiry=inquiry,
                         under_review=under_review, decided=decided, won=won)
        else:
            self._paypal(key, reason, payment, opened=opened, respond_by=respond_by, inquiry=inquiry,
                         under_review=under_review, decided=decided, won=won)

    def _stripe(self, key, reason, payment, *, opened, respond_by, inquiry, under_review, decided, won):
        def event(kind: str, status: str, at: datetime) -> dict:
            return {
                "id": f"evt_demo_{key}_{kind.rsplit('.', 1)[-1]}", "object": "event", "api_version": "2024-06-20",
                "created": _unix(at), "type": kind, "livemode": False, "pending_webhooks": 1,
                "data": {"object": {
                    "id": self._dispute_id("stripe", key), "object": "dispute",
                    "amount": stripe_amount(payment.captured_minor, payment.currency),
                    "currency": payment.currency.lower(), "charge": payment.provider_payment_id,
                    "payment_intent": payment.provider_order_id or None, "created": _unix(opened),
                    "reason": reason, "status": status, "is_charge_refundable": False, "livemode": False,
                    "metadata": {}, "balance_transactions": [],
                    "evidence_details": {"due_by": _unix(respond_by), "has_evidence": under_review or bool(decided),
                                         "past_due": False, "submission_count": int(under_review or bool(decided))},
                    "payment_method_details": {"type": "card", "card": {
                        "brand": "visa", "network_reason_code": NETWORK_CODES.get(reason, "")}},
                }},
            }

        dispute_upsert_from_stripe(event=event("charge.dispute.created",
                                               "warning_needs_response" if inquiry else "needs_response", opened))
        if under_review:
            dispute_upsert_from_stripe(event=event("charge.dispute.updated", "under_review",
                                                   opened + timedelta(hours=20)))
        if decided:
            dispute_upsert_from_stripe(event=event("charge.dispute.closed", "won" if won else "lost", decided))

    def _paypal(self, key, reason, payment, *, opened, respond_by, inquiry, under_review, decided, won):
        money = {"currency_code": payment.currency, "value": str(from_minor(payment.captured_minor, payment.currency))}
        dispute_id = self._dispute_id("paypal", key)

        def event(kind: str, status: str, at: datetime, **extra) -> dict:
            return {
                "id": f"WH-DEMO-{key.upper()}-{kind.rsplit('.', 1)[-1]}", "event_version": "1.0",
                "create_time": _iso(at), "resource_type": "dispute", "event_type": kind,
                "summary": f"Dispute {dispute_id}: {status}",
                "resource": {
                    "dispute_id": dispute_id, "create_time": _iso(opened), "update_time": _iso(at),
                    "disputed_transactions": [{
                        "seller_transaction_id": payment.provider_payment_id, "transaction_status": "COMPLETED",
                        "create_time": _iso(payment.captured_at), "gross_amount": money,
                        "seller_protection_eligible": True}],
                    "reason": reason, "status": status, "dispute_amount": money,
                    "seller_response_due_date": _iso(respond_by),
                    "dispute_life_cycle_stage": "INQUIRY" if inquiry else "CHARGEBACK", "dispute_channel": "INTERNAL",
                    "links": [{"href": f"https://api-m.sandbox.paypal.com/v1/customer/disputes/{dispute_id}",
                               "rel": "self", "method": "GET"}],
                    **extra,
                },
            }

        dispute_upsert_from_paypal(event=event("CUSTOMER.DISPUTE.CREATED", "WAITING_FOR_SELLER_RESPONSE", opened))
        if under_review:
            dispute_upsert_from_paypal(event=event("CUSTOMER.DISPUTE.UPDATED", "UNDER_REVIEW",
                                                   opened + timedelta(hours=20)))
        if decided:
            outcome = "RESOLVED_SELLER_FAVOUR" if won else "RESOLVED_BUYER_FAVOUR"
            dispute_upsert_from_paypal(event=event(
                "CUSTOMER.DISPUTE.RESOLVED", "RESOLVED", decided,
                dispute_outcome={"outcome_code": outcome, **({} if won else {"amount_refunded": money})},
                adjudications=[{"type": "PAYOUT_TO_SELLER" if won else "RECOVER_FROM_SELLER",
                                "adjudication_time": _iso(decided), "dispute_life_cycle_stage": "CHARGEBACK"}]))
