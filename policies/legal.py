"""The legal floor of each market (DESIGN section 6): a version below it cannot be published.

``check(version)`` returns findings: errors block publishing and name the clause, the market and the
rule; warnings point at choices that are legal but risky. The table is data, one rule per cell, so that
each cell has its own test (tests/policies/test_legal_floor.py).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from aftersales.choices import LegalProfile

from .choices import DayKind, ShippingPayer

EU_UK = {LegalProfile.EU, LegalProfile.UK}
WITHDRAWAL_DAYS = 14
REFUND_DEADLINE_DAYS = 14
TEXT_FIELDS = ("title", "summary", "conditions")
NO_REFUNDS = re.compile(
    r"\bno\s+refunds?\b|\bnon-?refundable\b|\bsin\s+reembolsos?\b|\bkeine\s+r[üu]ckerstattung|"
    r"\baucun\s+remboursement|\bpas\s+de\s+remboursement|不退款|不予退款|概不退[换款]",
    re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    level: str  # "error" | "warning"
    clause: str
    market: str
    rule: str

    def __str__(self):
        return f"{self.clause} · {self.market}: {self.rule}"


def refund_days_in_calendar_days(days: int, kind: str) -> int:
    """The longest span ``days`` can take in calendar days (business days skip weekends)."""
    return days if kind == DayKind.CALENDAR else math.ceil(days * 7 / 5)


def check(version) -> list[Finding]:
    market = version.market
    profile = market.legal_profile
    findings: list[Finding] = []

    def error(clause, rule):
        findings.append(Finding("error", clause, market.code, str(rule)))

    def warning(clause, rule):
        findings.append(Finding("warning", clause, market.code, str(rule)))

    charges_shipping = version.return_shipping_payer != ShippingPayer.STORE
    refund_span = refund_days_in_calendar_days(version.refund_days, version.refund_day_kind)

    if profile in EU_UK:
        if version.window_days < WITHDRAWAL_DAYS:
            error("window_days", _("Change-of-mind returns must be accepted for at least 14 days from delivery "
                                   "(%(profile)s right of withdrawal).") % {"profile": profile})
        if version.restocking_fee_percent > 0:
            error("restocking_fee_percent", _("A restocking fee may not be charged on a change-of-mind return "
                                              "(%(profile)s).") % {"profile": profile})
        if refund_span > REFUND_DEADLINE_DAYS:
            error("refund_days", _("Refunds must be paid within 14 calendar days of the withdrawal notice "
                                   "(%(profile)s); %(days)s %(kind)s can take longer.")
                  % {"profile": profile, "days": version.refund_days, "kind": version.get_refund_day_kind_display()})
    if charges_shipping and not version.fees_disclosed_before_purchase:
        error("return_shipping_payer", _("Return shipping may be charged to the customer only if this was "
                                         "disclosed before purchase."))
    if version.restocking_fee_percent > 0 and profile not in EU_UK and not version.fees_disclosed_before_purchase:
        error("restocking_fee_percent", _("A restocking fee may be charged only if it was disclosed before "
                                          "purchase."))
    if version.faulty_return_shipping_payer != ShippingPayer.STORE:
        if profile in EU_UK | {LegalProfile.AU}:
            error("faulty_return_shipping_payer", _("Return shipping of faulty goods may never be charged to the "
                                                    "customer (%(profile)s).") % {"profile": profile})
        else:
            warning("faulty_return_shipping_payer", _("Charging return shipping for faulty goods invites "
                                                      "chargebacks and breaches implied warranties."))
    if profile == LegalProfile.AU:
        for field_name, text in _texts(version):
            if NO_REFUNDS.search(text):
                error(field_name, _("\"No refunds\" wording is unlawful in Australia: consumer guarantees "
                                    "always apply."))
    if profile not in EU_UK and version.window_days < 30:
        warning("window_days", _("Shorter than the 30 days most stores offer; expect more disputes."))
    if profile == LegalProfile.US and refund_span > 14:
        warning("refund_days", _("A refund promise longer than 14 days must be kept exactly as published."))
    if version.restocking_fee_percent > 15:
        warning("restocking_fee_percent", _("A restocking fee above 15 percent is unusual and invites disputes."))
    if charges_shipping and version.returnless_threshold_minor == 0:
        warning("returnless_threshold_minor", _("Customers pay cross-border return postage with no keep-the-item "
                                                "offer: cheap items will cost more to return than they are worth."))
    if version.notice_days < 14:
        warning("notice_days", _("Customers should hear about a change at least 14 days before it applies."))
    return findings


def errors(version) -> list[Finding]:
    return [finding for finding in check(version) if finding.level == "error"]


def _texts(version):
    from django.conf import settings

    for field_name in TEXT_FIELDS:
        for code, _name in settings.LANGUAGES:
            localized = f"{field_name}_{code.replace('-', '_')}"
            value = getattr(version, localized, None) or (getattr(version, field_name, "") if code == "en" else "")
            if value:
                yield localized, value
