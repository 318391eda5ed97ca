"""Orders are judged by the version they were placed under, or a newer clause where it is better for them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aftersales.models import Order
from policies.choices import PolicyStatus, ShippingPayer
from policies.models import PolicyVersion
from policies.selectors import applicable_clauses, placed_under
from policies.services import (
    orders_stamp_policy_version,
    policy_version_create_draft,
    policy_version_publish,
    policy_version_schedule,
    policy_versions_activate_due,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_versions():
    """v1 in force 60 days ago; v2 (longer window, but a higher fee) in force since yesterday."""
    market = factories.market("US")
    v1 = policy_version_publish(version=policy_version_create_draft(
        market=market, title="v1", window_days=30, notice_days=0, return_shipping_payer=ShippingPayer.DEDUCTED,
        return_shipping_fee_minor=500, restocking_fee_percent=0))
    PolicyVersion.objects.filter(pk=v1.pk).update(effective_at=timezone.now() - timedelta(days=60))
    v2 = policy_version_create_draft(market=market, based_on=v1, title="v2", window_days=60,
                                     return_shipping_fee_minor=900, restocking_fee_percent=10)
    policy_version_schedule(version=v2, effective_at=timezone.now() + timedelta(minutes=1))
    PolicyVersion.objects.filter(pk=v2.pk).update(effective_at=timezone.now() - timedelta(days=1))  # time passes
    policy_versions_activate_due()
    return PolicyVersion.objects.get(pk=v1.pk), PolicyVersion.objects.get(pk=v2.pk)


def test_orders_are_stamped_with_the_version_in_force_at_checkout(two_versions):
    v1, v2 = two_versions
    old = factories.order(market_code="US", placed_at=timezone.now() - timedelta(days=10))
    new = factories.order(market_code="US", placed_at=timezone.now())
    before_any = factories.order(market_code="US", placed_at=timezone.now() - timedelta(days=400))
    assert orders_stamp_policy_version() == 2
    assert orders_stamp_policy_version() == 0
    assert Order.objects.get(pk=old.pk).policy_version_id == v1.pk
    assert Order.objects.get(pk=new.pk).policy_version_id == v2.pk
    assert Order.objects.get(pk=before_any.pk).policy_version_id is None
    assert (v1.status, v2.status) == (PolicyStatus.SUPERSEDED, PolicyStatus.IN_FORCE)


def test_an_old_order_gets_the_better_of_each_clause(two_versions):
    v1, _v2 = two_versions
    order = factories.order(market_code="US", placed_at=timezone.now() - timedelta(days=10))
    assert placed_under(order).pk == v1.pk
    clauses = applicable_clauses(order)
    assert clauses.window_days == 60                # newer and better
    assert clauses.return_shipping_fee_minor == 500  # older and better
    assert clauses.restocking_fee_percent == 0       # the new fee never applies retroactively


def test_a_new_order_is_judged_by_the_version_in_force(two_versions):
    order = factories.order(market_code="US", placed_at=timezone.now())
    clauses = applicable_clauses(order)
    assert (clauses.window_days, clauses.return_shipping_fee_minor, clauses.restocking_fee_percent) == (60, 900, 10)


def test_no_policy_at_all():
    assert applicable_clauses(factories.order(market_code="AU")) is None
