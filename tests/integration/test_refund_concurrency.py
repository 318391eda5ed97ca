"""Twenty concurrent refund attempts on one payment never refund more than was captured (row lock)."""

import pytest
from django.core.exceptions import ValidationError

from aftersales.choices import RefundCause, RefundSource
from aftersales.models import Refund
from aftersales.services.refunds import refund_create, refunded_minor
from tests import factories
from tests.concurrency import at_once

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ATTEMPTS = 20


def fire(payment, amount, keys):
    """``ATTEMPTS`` refunds of ``amount`` at once; each outcome is "created" or the refusal's code."""
    def attempt(index):
        return lambda: refund_create(payment=payment, amount_minor=amount, cause=RefundCause.GOODWILL,
                                     source=RefundSource.DESK, execute=False, idempotency_key=keys(index))

    outcomes = at_once(*[attempt(i) for i in range(ATTEMPTS)])
    return sorted(outcome.code if isinstance(outcome, ValidationError) else
                  "created" if isinstance(outcome, Refund) else repr(outcome) for outcome in outcomes)


def test_twenty_concurrent_refunds_stop_at_the_captured_amount(require_postgres):
    payment = factories.payment(captured_minor=10_000)
    outcomes = fire(payment, 700, keys=lambda i: f"attempt-{i}")
    assert outcomes.count("created") == 14  # 14 × 7.00 = 98.00 of 100.00
    assert outcomes.count("exceeds_captured") == 6
    assert refunded_minor(payment) == 9_800
    assert Refund.objects.filter(payment=payment).count() == 14


def test_twenty_concurrent_double_clicks_make_one_refund(require_postgres):
    payment = factories.payment(captured_minor=10_000)
    outcomes = fire(payment, 2_500, keys=lambda i: "same-click")
    assert outcomes == ["created"] * ATTEMPTS  # each caller gets the one refund back
    assert Refund.objects.filter(payment=payment).count() == 1
    assert refunded_minor(payment) == 2_500
