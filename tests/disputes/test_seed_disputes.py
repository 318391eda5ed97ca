"""``manage.py seed_disputes``: open disputes from both providers on demo orders, due so that the deadline scan
escalates them, and a year of decided ones whose two newest PayPal losses put the loss run at its warning. Made by
replaying provider-shaped events through the real services; a second run changes nothing."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from aftersales.models import Payment
from disputes import risk
from disputes.models import Dispute, DisputeAlert, DisputeEvent, RiskAlert
from disputes.services import disputes_scan
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_payments():
    """20 Stripe and 14 PayPal payments captured over the last 13 months, as the demo data has."""
    now = timezone.now()
    for provider, count in (("stripe", 20), ("paypal", 14)):
        for n in range(count):
            order = factories.order(placed_at=now - timedelta(days=400 - n * 20))
            factories.payment(order, provider=provider, provider_payment_id=f"{provider}-demo-{n}",
                              captured_at=order.placed_at)


def _seed() -> str:
    out = StringIO()
    call_command("seed_disputes", stdout=out)
    return out.getvalue()


def _state():
    return (sorted(Dispute.objects.values_list("provider_id", "status", "outcome", "order_id", "internal_deadline",
                                               "completeness")),
            DisputeEvent.objects.count(), RiskAlert.objects.count())


def test_without_provider_payments_it_says_so_and_creates_nothing():
    assert "run seed_demo first" in _seed()
    assert Dispute.objects.count() == 0


@time_machine.travel("2026-12-01 06:00:00+00:00", tick=False)
def test_demo_disputes_from_both_providers(demo_payments, manager_user, settings):
    manager_user.email = "manager@desk.example"
    manager_user.save()
    assert "8 open and 19 decided from Stripe and PayPal" in _seed()
    now = timezone.now()
    open_ = Dispute.objects.filter(status__in=["needs_response", "warning_needs_response", "under_review"])
    assert {d.provider for d in open_} == {"stripe", "paypal"}
    assert open_.count() == 8
    assert Dispute.objects.filter(order__isnull=True).count() == 0  # every one linked to its demo order and payment
    assert Payment.objects.filter(disputes__isnull=False).distinct().count() == 27
    deadlines = {d.provider_id: d.internal_deadline - now for d in open_}
    assert deadlines["dp_demo_s01"] == timedelta(hours=20)
    assert deadlines["PP-D-DEMO-P01"] == timedelta(hours=18)
    assert deadlines["dp_demo_s04"] == timedelta(hours=-24)
    assert deadlines["PP-D-DEMO-P02"] == timedelta(hours=62)
    assert DisputeEvent.objects.count() == 8 + 1 + 2 * 19  # created, s05's update, created + closed

    overall = risk.win_rate_overall()
    assert (overall.won, overall.lost, overall.rate) == (11, 8, 57.9)
    run = risk.paypal_loss_run()
    assert (run.length, run.level) == (2, "warning")
    assert RiskAlert.objects.filter(kind="paypal_losses", level="warning").count() == 1
    assert any(m.subject == "Warning: 2 PayPal disputes lost in a row" for m in mail.outbox)

    # The deadline scan escalates them at once: five within 72 h, three within 24 h, one overdue.
    settings.DISPUTES_AUTO_SUBMIT = False
    counts = disputes_scan(now=now)
    assert (counts[DisputeAlert.Kind.ASSIGNEE_72H], counts[DisputeAlert.Kind.MANAGERS_24H],
            counts[DisputeAlert.Kind.OVERDUE_INCIDENT]) == (5, 3, 1)


def test_seeding_twice_changes_nothing(demo_payments):
    _seed()
    before = _state()
    assert "already there" in _seed()
    assert _state() == before
