"""The refund ledger: within what was captured, idempotent, every status change on the timeline."""

import pytest
from django.core.exceptions import ValidationError

from aftersales.choices import RefundCause, RefundSource, RefundStatus
from aftersales.models import Refund, RefundEvent
from aftersales.services.refunds import (
    refund_create,
    refund_execute,
    refund_mark_executed,
    refundable_minor,
)
from tests import factories

pytestmark = pytest.mark.django_db


def create(payment, amount, **extra):
    return refund_create(payment=payment, amount_minor=amount, cause=RefundCause.GOODWILL,
                         source=RefundSource.DESK, execute=False, **extra)


def test_refund_is_planned_with_a_timeline_row():
    payment = factories.payment(captured_minor=5000)
    refund = create(payment, 1200, reason="late delivery")
    assert (refund.status, refund.amount_minor, refund.currency, refund.provider) == ("planned", 1200, "USD", "manual")
    assert list(refund.events.values_list("from_status", "to_status", "note")) == [("", "planned", "late delivery")]
    assert refundable_minor(payment) == 3800


def test_refund_above_what_is_left_is_refused_with_the_amounts_and_nothing_written():
    payment = factories.payment(captured_minor=5000)
    create(payment, 4000)
    with pytest.raises(ValidationError) as raised:
        create(payment, 1001)
    assert raised.value.messages == ["A refund of $10.01 is more than the $10.00 still refundable on this payment."]
    assert raised.value.code == "exceeds_captured"
    assert Refund.objects.count() == 1


@pytest.mark.parametrize("amount", [0, -100])
def test_refund_must_be_positive(amount):
    payment = factories.payment(captured_minor=5000)
    with pytest.raises(ValidationError, match=r"A refund must be a positive amount\."):
        create(payment, amount)
    assert Refund.objects.count() == 0


def test_refund_of_an_uncaptured_payment_is_refused():
    payment = factories.payment(captured_minor=0, status="authorized")
    with pytest.raises(ValidationError, match=r"This payment has nothing captured to refund\."):
        create(payment, 100)


def test_same_idempotency_key_returns_the_same_refund():
    payment = factories.payment(captured_minor=5000)
    first = create(payment, 1000, idempotency_key="return-42")
    again = create(payment, 1000, idempotency_key="return-42")
    assert again.pk == first.pk
    assert Refund.objects.count() == 1


def test_idempotency_key_reused_for_a_different_refund_is_refused():
    payment = factories.payment(captured_minor=5000)
    create(payment, 1000, idempotency_key="return-42")
    with pytest.raises(ValidationError, match="already used for a different refund"):
        create(payment, 2000, idempotency_key="return-42")


def test_failed_refunds_free_the_amount_again():
    payment = factories.payment(captured_minor=5000)
    refund = create(payment, 5000)
    Refund.objects.filter(pk=refund.pk).update(status=RefundStatus.FAILED)
    assert refundable_minor(payment) == 5000
    assert create(payment, 5000).status == "planned"


def test_manual_refund_waits_for_a_person_then_succeeds(django_user_model):
    agent = django_user_model.objects.create_user("agent-x")
    payment = factories.payment(captured_minor=5000)
    refund = create(payment, 2500)
    refund = refund_execute(refund_id=refund.pk)
    assert refund.status == "requested"
    assert "execute this refund manually" in refund.failure_message
    refund = refund_mark_executed(refund=refund, actor=agent, reference="bank transfer 77")
    assert (refund.status, refund.provider_refund_id, refund.failure_message) == ("succeeded", "bank transfer 77", "")
    assert refund.succeeded_at is not None
    assert list(refund.events.values_list("from_status", "to_status")) == [
        ("", "planned"), ("planned", "requested"), ("requested", "succeeded")]
    assert refund.events.last().actor == agent


def test_executing_a_settled_refund_again_changes_nothing():
    payment = factories.payment(captured_minor=5000)
    refund = create(payment, 2500)
    refund_execute(refund_id=refund.pk)
    refund_mark_executed(refund=Refund.objects.get(pk=refund.pk), actor=None)
    events = RefundEvent.objects.count()
    assert refund_execute(refund_id=refund.pk).status == "succeeded"
    assert RefundEvent.objects.count() == events


def test_refund_stores_the_rate_to_base_of_its_day(settings):
    from datetime import date
    from decimal import Decimal

    from aftersales.models import ExchangeRate

    settings.STORE_BASE_CURRENCY = "USD"
    ExchangeRate.objects.create(currency="EUR", base_currency="USD", rate=Decimal("1.08"), valid_on=date(2020, 1, 1))
    order = factories.order(market_code="DE")
    refund = create(factories.payment(order, captured_minor=order.total_minor), 1000)
    assert refund.currency == "EUR"
    assert refund.rate_to_base == Decimal("1.08")


def test_create_queues_execution_after_commit(django_capture_on_commit_callbacks, monkeypatch):
    from aftersales import tasks

    queued = []
    monkeypatch.setattr(tasks.refund_execute_task, "delay", queued.append)
    payment = factories.payment(captured_minor=5000)
    with django_capture_on_commit_callbacks(execute=True):
        refund = refund_create(payment=payment, amount_minor=100, cause=RefundCause.RETURN, source=RefundSource.PORTAL)
    assert queued == [refund.pk]


def test_stalled_refunds_are_found_from_the_database_not_timers():
    from datetime import timedelta

    from django.utils import timezone

    from aftersales.services.refunds import refunds_stalled

    payment = factories.payment(captured_minor=9000, provider="stripe")
    fresh, lost, quiet, answered = (create(payment, 1000) for _ in range(4))
    now = timezone.now()
    Refund.objects.filter(pk=lost.pk).update(created_at=now - timedelta(minutes=5))
    Refund.objects.filter(pk__in=[quiet.pk, answered.pk]).update(
        status=RefundStatus.REQUESTED, requested_at=now - timedelta(minutes=30), attempts=1)
    Refund.objects.filter(pk=answered.pk).update(provider_refund_id="re_123")
    manual = create(factories.payment(captured_minor=1000), 500)
    Refund.objects.filter(pk=manual.pk).update(status=RefundStatus.REQUESTED, requested_at=now - timedelta(hours=2))
    assert sorted(refunds_stalled(now=now).values_list("pk", flat=True)) == sorted([lost.pk, quiet.pk])
    assert fresh.pk not in refunds_stalled(now=now).values_list("pk", flat=True)
