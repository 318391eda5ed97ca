"""Return cases: submitted against the policy, routed, refunded once through the ledger, timeline and emails."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from aftersales.models import Order, Refund
from policies.eligibility import Answers
from returns.choices import CaseStatus, Disposition, Grade, Resolution, ShippingChoice
from returns.models import ReturnCase
from returns.services import (
    LineRequest,
    order_cancel_unshipped,
    return_case_approve,
    return_case_mark_received,
    return_case_refund,
    return_case_reject,
    return_case_submit,
    return_line_inspect,
)
from tests import factories
from tests.returns.support import delivered_order, market_with_policy

pytestmark = pytest.mark.django_db


def submit(order, reason="changed_mind", **extra):
    lines = [LineRequest(line, line.quantity) for line in order.lines.all()]
    return return_case_submit(order=order, lines=lines, reason=reason, **extra)


def statuses(case):
    return list(case.events.values_list("to_status", flat=True))


def test_eligible_return_is_approved_and_waits_for_the_parcel(django_capture_on_commit_callbacks, tasks_inline):
    market_with_policy()
    order = delivered_order(unit_price_minor=4000)
    with django_capture_on_commit_callbacks(execute=True):
        case = submit(order, shipping_choice=ShippingChoice.DEDUCT, language="es")
    assert case.status == CaseStatus.AWAITING_SHIPMENT
    assert statuses(case) == ["draft", "submitted", "approved", "awaiting_shipment"]
    assert (case.estimate_minor, case.deductions_minor, case.currency) == (4000, 800, "USD")
    assert case.rma.startswith("R-")
    assert len(case.rma) == 10
    subjects = [m.subject for m in mail.outbox]
    assert subjects == [f"Tu devolución {case.rma}: Aprobada", f"Tu devolución {case.rma}: Esperando el paquete"]
    assert all(m.to == [order.customer.email] for m in mail.outbox)


def test_cheap_item_is_kept_and_refunded_without_a_return():
    market_with_policy()
    case = submit(delivered_order(unit_price_minor=900))
    assert (case.status, case.resolution) == (CaseStatus.APPROVED_KEEP_ITEM, Resolution.KEEP_ITEM)


def test_return_costing_more_than_the_item_is_kept():
    from aftersales.choices import FulfillmentMode

    market_with_policy()
    case = submit(delivered_order(unit_price_minor=2500, fulfillment_mode=FulfillmentMode.OWN_SHIPPING))
    assert case.status == CaseStatus.APPROVED_KEEP_ITEM  # $32 to ship back to China for a $25 item


def test_used_item_goes_to_review():
    market_with_policy()
    case = submit(delivered_order(), answers=Answers(unused=False))
    assert case.status == CaseStatus.NEEDS_REVIEW


def test_window_closed_is_refused_with_the_reason_and_nothing_written():
    market_with_policy()
    order = delivered_order(days_ago=45)
    with pytest.raises(ValidationError) as raised:
        submit(order)
    assert raised.value.messages == [f"{order.lines.get().title}: The 30-day return window has closed."]
    assert ReturnCase.objects.count() == 0


def test_a_line_cannot_be_returned_twice():
    market_with_policy()
    order = delivered_order(quantity=2)
    line = order.lines.get()
    return_case_submit(order=order, lines=[LineRequest(line, 2)], reason="changed_mind")
    with pytest.raises(ValidationError, match="you can return at most 0"):
        return_case_submit(order=order, lines=[LineRequest(line, 1)], reason="changed_mind")


def test_a_line_of_another_order_is_refused():
    market_with_policy()
    order, other = delivered_order(), delivered_order()
    with pytest.raises(ValidationError, match="not part of the order"):
        return_case_submit(order=order, lines=[LineRequest(other.lines.get(), 1)], reason="changed_mind")


def test_the_same_form_submitted_twice_makes_one_case():
    market_with_policy()
    order = delivered_order()
    first = submit(order, client_token="form-123")
    again = submit(order, client_token="form-123")
    assert again.pk == first.pk
    assert ReturnCase.objects.count() == 1


def test_serial_returners_are_always_reviewed(settings):
    settings.RETURNS_SERIAL_RETURNER_COUNT = 2
    market_with_policy()
    buyer = factories.customer()
    assert submit(delivered_order(customer=buyer)).status == CaseStatus.AWAITING_SHIPMENT
    assert submit(delivered_order(customer=buyer)).status == CaseStatus.AWAITING_SHIPMENT
    assert submit(delivered_order(customer=buyer)).status == CaseStatus.NEEDS_REVIEW


def test_desk_flow_received_inspected_refunded_once(django_user_model):
    agent = django_user_model.objects.create_user("agent-r")
    market_with_policy()
    case = submit(delivered_order(unit_price_minor=4000), shipping_choice=ShippingChoice.DEDUCT)
    return_case_mark_received(case=case, actor=agent)
    line = case.lines.get()
    return_line_inspect(line=line, actor=agent, grade=Grade.A, disposition=Disposition.RESTOCK)
    case.refresh_from_db()
    assert case.status == CaseStatus.INSPECTED
    refund = return_case_refund(case=case, actor=agent)
    again = return_case_refund(case=case, actor=agent)
    assert again.pk == refund.pk
    assert (refund.amount_minor, refund.cause, refund.source_ref) == (3200, "return", f"returns.ReturnCase:{case.pk}")
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    assert Refund.objects.count() == 1


def test_partial_refund_needs_a_reason_and_cannot_exceed_the_items(django_user_model):
    agent = django_user_model.objects.create_user("agent-p")
    market_with_policy()
    case = submit(delivered_order(unit_price_minor=4000))
    return_case_mark_received(case=case, actor=agent)
    with pytest.raises(ValidationError, match="Say why the refund differs"):
        return_case_refund(case=case, actor=agent, amount_minor=2000)
    with pytest.raises(ValidationError, match="cannot exceed the value"):
        return_case_refund(case=case, actor=agent, amount_minor=5000, reason="extra")
    refund = return_case_refund(case=case, actor=agent, amount_minor=2000, reason="scratched")
    assert refund.amount_minor == 2000


def test_refund_before_receipt_is_refused(django_user_model):
    market_with_policy()
    case = submit(delivered_order())
    with pytest.raises(ValidationError, match="cannot be refunded while it is"):
        return_case_refund(case=case, actor=None)


def test_reject_needs_a_reason_and_emails_it(django_user_model, django_capture_on_commit_callbacks, tasks_inline):
    agent = django_user_model.objects.create_user("agent-j")
    market_with_policy()
    case = submit(delivered_order(), answers=Answers(unused=False))
    with pytest.raises(ValidationError):
        return_case_reject(case=case, actor=agent, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        return_case_reject(case=case, actor=agent, reason="The item was worn.")
    assert "The item was worn." in mail.outbox[-1].body


def test_review_then_approve(django_user_model):
    agent = django_user_model.objects.create_user("agent-a")
    market_with_policy()
    case = submit(delivered_order(), answers=Answers(unused=False))
    case = return_case_approve(case=case, actor=agent)
    assert case.status == CaseStatus.AWAITING_SHIPMENT


def test_invalid_transition_is_refused(django_user_model):
    agent = django_user_model.objects.create_user("agent-t")
    market_with_policy()
    case = submit(delivered_order())
    with pytest.raises(ValidationError, match="cannot go from"):
        return_case_approve(case=case, actor=agent)


# -- cancelling unshipped orders -----------------------------------------------------------------------

def test_unshipped_captured_order_is_cancelled_and_refunded_in_full():
    market_with_policy()
    order = factories.order(unit_price_minor=3000, quantity=2)
    factories.payment(order)
    case, refund = order_cancel_unshipped(order=order)
    again, same = order_cancel_unshipped(order=order)
    assert (case.status, refund.amount_minor, refund.cause) == (CaseStatus.RESOLVED, 6000, "cancellation")
    assert (again.pk, same.pk) == (case.pk, refund.pk)
    assert Order.objects.get(pk=order.pk).status == "cancelled"
    assert Refund.objects.count() == 1


@pytest.mark.parametrize("situation", ["shipped", "not_captured"])
def test_anything_else_goes_to_an_agent_without_a_refund(situation):
    market_with_policy()
    order = factories.order()
    if situation == "shipped":
        factories.payment(order)
        factories.shipment(order, status="in_transit")
    else:
        factories.payment(order, captured_minor=0, status="authorized")
    case, refund = order_cancel_unshipped(order=order)
    assert (case.status, refund) == (CaseStatus.NEEDS_REVIEW, None)
    assert Refund.objects.count() == 0
    assert Order.objects.get(pk=order.pk).status == "open"
