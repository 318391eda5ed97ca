"""The demo store's refund ledger, planned so that the numbers a manager reads are believable.

* the lamp ``LAMP-01`` is bought on its own, and its returns add up to ~20 % of its sales (and at least that in
  the last closed month);
* cancellations before shipping and parcels lost in transit are refunded in full (``Builder`` decides
  those while it ships orders, through ``refund``);
* returns, goodwill gestures and "marked delivered but not received" partial refunds then fill each month
  up to a target refund rate drawn between 2.2 % and 3.4 % (a little more in January; at least 3 % in the
  last closed month, so that the manager dashboard opens on a red refund rate; the month in progress too, up to
  the anchor), measured as DESIGN
  section 7 defines it: refunds succeeded in the month ÷ payments captured in the month, in base currency
  at the rates stored on the records.

Every refund is succeeded, stays within what its payment captured, and has its planned → requested →
succeeded timeline; nothing is dated after the anchor.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from aftersales.choices import PaymentProvider, RefundCause, RefundSource, RefundStatus
from aftersales.models import Refund, RefundEvent

from . import catalogue as cat
from .common import MONTHS, UPPER_DIGITS, Plan, token

LAMP_REFUND_SHARE = 0.20      # of the lamp's sales, refunded
LAST_MONTH_FLOOR = 0.03       # the last closed month's target: well above the 2.5 % red line of the audit


class RefundPlanner:
    """Mixed into ``Builder``: uses its ``rng``, ``rows``, ``plans``, ``anchor``, ``rate`` and ``month_of``."""

    def refund(self, plan: Plan, amount: int, cause: str, succeeded_at: datetime, source: str,
               reason: str | None = None) -> Refund:
        rng = self.rng
        payment = plan.payment
        created_at = succeeded_at - timedelta(minutes=rng.randint(3, 45))
        requested_at = created_at + timedelta(seconds=rng.randint(5, 90))
        reason = reason or rng.choice(cat.REFUND_REASONS[cause])
        if payment.provider == PaymentProvider.STRIPE:
            provider_refund_id = "re_3" + token(rng, 23)
        else:
            provider_refund_id = token(rng, 17, UPPER_DIGITS)
        refund = Refund(
            payment=payment, order=plan.order, amount_minor=amount, currency=payment.currency, cause=cause,
            reason=reason, source=source, status=RefundStatus.SUCCEEDED,
            idempotency_key=str(uuid.UUID(int=rng.getrandbits(128), version=4)), provider=payment.provider,
            provider_refund_id=provider_refund_id, attempts=1, rate_to_base=self.rate(payment.currency, created_at),
            created_at=created_at, requested_at=requested_at, succeeded_at=succeeded_at)
        plan.refunded += amount
        if plan.refunded > payment.captured_minor:  # the ledger's invariant holds for demo data too
            raise ValueError(f"demo refunds of {plan.order.number} exceed what was captured")
        self.rows["refunds"].append(refund)
        self.rows["refund_events"] += [
            RefundEvent(refund=refund, from_status="", to_status=RefundStatus.PLANNED, note=reason, at=created_at),
            RefundEvent(refund=refund, from_status=RefundStatus.PLANNED, to_status=RefundStatus.REQUESTED,
                        note=f"Sent to {payment.provider}.", at=requested_at),
            RefundEvent(refund=refund, from_status=RefundStatus.REQUESTED, to_status=RefundStatus.SUCCEEDED,
                        at=succeeded_at),
        ]
        return refund

    def plan_lamp_returns(self):
        """Refund whole lamp orders (faulty goods: price and shipping) until ~20 % of the lamp's sales. The last
        closed month is served first, up to its own ~20 %, so that the lamp stands out in the month the dashboard
        opens on whatever month the demo is built in."""
        rng = self.rng
        lamp = [p for p in self.plans if p.lamp]
        target = LAMP_REFUND_SHARE * sum(self._base(p.payment.captured_minor, p.payment.rate_to_base) for p in lamp)
        last_target = LAMP_REFUND_SHARE * sum(self._base(p.payment.captured_minor, p.payment.rate_to_base)
                                              for p in lamp if self.month_of(p.payment.captured_at) == MONTHS - 1)
        candidates = [p for p in lamp if p.delivered_at]
        rng.shuffle(candidates)
        when = {id(p): p.delivered_at + timedelta(days=rng.uniform(6, 24)) for p in candidates}
        in_last = [p for p in candidates if when[id(p)] < self.anchor and self.month_of(when[id(p)]) == MONTHS - 1]
        refunded = 0.0
        for plan in in_last:
            if refunded >= last_target:
                break
            refunded += self._lamp_refund(plan, when[id(plan)])
        for plan in candidates:
            value = self._base(plan.payment.captured_minor, plan.payment.rate_to_base)
            if refunded + value / 2 > target:
                break
            if plan.closed or when[id(plan)] >= self.anchor:
                continue
            refunded += self._lamp_refund(plan, when[id(plan)])

    def _lamp_refund(self, plan: Plan, when: datetime) -> float:
        rng = self.rng
        amount = plan.payment.captured_minor
        self.refund(plan, amount, RefundCause.RETURN, when, rng.choice([RefundSource.PORTAL, RefundSource.DESK]),
                    reason=f"{cat.LAMP_SKU}: {rng.choice(cat.REFUND_REASONS['lamp'])}")
        plan.closed = True
        return self._base(amount, plan.payment.rate_to_base)

    def plan_fill_refunds(self):
        """Returns, goodwill and partial not-received refunds up to each month's target refund rate."""
        rng = self.rng
        sales = [0.0] * (MONTHS + 1)  # the whole months and the month in progress
        for plan in self.plans:
            sales[self.month_of(plan.payment.captured_at)] += self._base(plan.payment.captured_minor,
                                                                          plan.payment.rate_to_base)
        budget = []
        for k in range(MONTHS + 1):
            target = rng.uniform(0.022, 0.034)
            if self.bounds[k].astimezone(self.tz).month == 1:
                target = min(0.035, target + 0.003)  # returns of Christmas presents
            if k == MONTHS - 1:
                target = max(target, LAST_MONTH_FLOOR)  # the dashboard opens on a red refund rate
            budget.append(target * sales[k])
        for refund in self.rows["refunds"]:
            budget[self.month_of(refund.succeeded_at)] -= self._base(refund.amount_minor, refund.rate_to_base)
        tolerance = [0.001 * s for s in sales]
        candidates = [p for p in self.plans if p.delivered_at and not p.closed and not p.lamp]
        rng.shuffle(candidates)
        for plan in candidates:
            if all(b < 200 for b in budget):
                break
            cause, amount, when, source, reason = self._fill_candidate(plan)
            if when >= self.anchor or amount <= 0:
                continue
            month = self.month_of(when)
            value = self._base(amount, self.rate(plan.order.currency, when))
            if value > budget[month] + tolerance[month]:
                continue
            self.refund(plan, amount, cause, when, source, reason=reason)
            budget[month] -= value
            plan.closed = True

    def _fill_candidate(self, plan: Plan):
        rng = self.rng
        total = plan.payment.captured_minor - plan.refunded
        roll = rng.random()
        if roll < 0.55:
            line = rng.choice(plan.lines)
            amount = line.total_minor // line.quantity if line.quantity > 1 else line.total_minor
            reason = f"{line.sku}: {rng.choice(cat.REFUND_REASONS['return'])}"
            if plan.market in ("US", "AU") and amount > 1500 and rng.random() < 0.25:
                amount -= 500
                reason += "; return label deducted"
            when = plan.delivered_at + timedelta(days=rng.uniform(7, 28))
            return RefundCause.RETURN, min(amount, total), when, rng.choice(
                [RefundSource.PORTAL, RefundSource.PORTAL, RefundSource.DESK]), reason
        if roll < 0.8 or not plan.has_pod:
            amount = max(300, round(total * rng.uniform(0.08, 0.2) / 100) * 100)
            when = plan.delivered_at + timedelta(days=rng.uniform(1, 10))
            return RefundCause.GOODWILL, min(amount, total), when, RefundSource.DESK, None
        amount = round(total * rng.uniform(0.3, 0.5) / 100) * 100
        when = plan.delivered_at + timedelta(days=rng.uniform(3, 15))
        return (RefundCause.NOT_RECEIVED, min(amount, total), when, RefundSource.DESK,
                "Marked delivered, customer says not received: partial refund with proof of delivery sent")
