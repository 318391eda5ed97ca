"""Writes of the policies app: drafts, publishing and scheduling under the legal floor, activation, notices.

* A version is edited only as a draft. Publishing or scheduling runs the legal floor check and refuses
  with every error named (clause · market: rule).
* The first version of a market may take effect at once; any later one is scheduled at least the notice
  period of the version in force away, and the customers with orders still inside a return window are told
  in their language before it applies (``policy_notices_*``: batched, idempotent — the unique
  (version, customer) row and ``sent_at`` mean nobody is told twice).
* ``policy_versions_activate_due`` is a state-based scan run by beat: a scheduled version whose time has
  come goes in force and supersedes the previous one, however late the scan runs.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales.models import Order

from . import legal
from .choices import POLICY_TRANSITIONS, PolicyStatus
from .models import PolicyNotice, PolicyVersion, PolicyVersionEvent

NOTICE_LOOKBACK_DAYS = 120


def _transition(version: PolicyVersion, to_status: str, *, actor=None, note: str = ""):
    if to_status not in POLICY_TRANSITIONS[PolicyStatus(version.status)]:
        raise ValidationError(_("A policy version cannot go from %(from)s to %(to)s.")
                              % {"from": version.get_status_display(), "to": PolicyStatus(to_status).label},
                              code="invalid_transition")
    PolicyVersionEvent.objects.create(version=version, from_status=version.status, to_status=to_status, actor=actor,
                                      note=note)
    version.status = to_status


def _translated_fields():
    from modeltranslation.translator import translator

    return [f"{name}_{code.replace('-', '_')}" for name in translator.get_options_for_model(PolicyVersion).fields
            for code, _label in settings.LANGUAGES]


def _explicit_languages(fields: dict) -> dict:
    """A translated field given by its base name (``title``) means the source language (``title_en``), never
    whatever language happens to be active (modeltranslation would write that one)."""
    from modeltranslation.translator import translator

    base_names = translator.get_options_for_model(PolicyVersion).fields
    suffix = settings.LANGUAGE_CODE.replace("-", "_")
    return {f"{name}_{suffix}" if name in base_names else name: value for name, value in fields.items()}


CLAUSE_FIELDS = [
    "window_days", "requires_unused", "requires_original_packaging", "requires_tags", "excluded_categories",
    "final_sale_excluded", "return_shipping_payer", "return_shipping_fee_minor", "restocking_fee_percent",
    "faulty_return_shipping_payer", "fees_disclosed_before_purchase", "refund_days", "refund_day_kind",
    "returnless_threshold_minor", "not_received_offer", "not_received_percent", "notice_days",
]


@transaction.atomic
def policy_version_create_draft(*, market, created_by=None, based_on: PolicyVersion | None = None,
                                **fields) -> PolicyVersion:
    """A new draft, numbered after the market's last version, copying ``based_on`` (clauses and texts)."""
    last = PolicyVersion.objects.select_for_update().filter(market=market).aggregate(n=Max("number"))["n"] or 0
    values = {}
    if based_on is not None:
        copied = [name for name in CLAUSE_FIELDS + _translated_fields() if not name.startswith("change_note")]
        values = {name: getattr(based_on, name) for name in copied}
    values.update(_explicit_languages(fields))
    version = PolicyVersion(market=market, number=last + 1, created_by=created_by, **values)
    version.full_clean()
    version.save()
    PolicyVersionEvent.objects.create(version=version, to_status=PolicyStatus.DRAFT, actor=created_by)
    return version


@transaction.atomic
def policy_version_update_draft(*, version: PolicyVersion, **fields) -> PolicyVersion:
    locked = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if not locked.is_editable:
        raise ValidationError(_("A published version cannot be edited: create a new draft instead."),
                              code="not_editable")
    for name, value in _explicit_languages(fields).items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    return locked


def _refuse_below_floor(version: PolicyVersion):
    found = legal.errors(version)
    if found:
        raise ValidationError([str(finding) for finding in found], code="below_legal_floor")


@transaction.atomic
def policy_version_publish(*, version: PolicyVersion, actor=None) -> PolicyVersion:
    """Put the first version of a market in force at once. Later versions must be scheduled."""
    locked = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    _refuse_below_floor(locked)
    if PolicyVersion.objects.filter(market=locked.market, status=PolicyStatus.IN_FORCE).exists():
        raise ValidationError(_("A policy is already in force for this market: schedule the new version with "
                                "its notice period instead."), code="needs_schedule")
    _transition(locked, PolicyStatus.IN_FORCE, actor=actor)
    locked.published_at = locked.effective_at = timezone.now()
    locked.save(update_fields=["status", "published_at", "effective_at"])
    return locked


@transaction.atomic
def policy_version_schedule(*, version: PolicyVersion, effective_at, actor=None, now=None) -> PolicyVersion:
    now = now or timezone.now()
    locked = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    _refuse_below_floor(locked)
    current = in_force(locked.market)
    notice_days = current.notice_days if current else 0
    if effective_at < now + timedelta(days=notice_days):
        raise ValidationError(
            _("The new version can take effect on %(date)s at the earliest: customers must be told %(days)s days "
              "before a change.") % {"date": (now + timedelta(days=notice_days)).date().isoformat(),
                                     "days": notice_days}, code="notice_too_short")
    if PolicyVersion.objects.filter(market=locked.market, status=PolicyStatus.SCHEDULED).exclude(pk=locked.pk).exists():
        raise ValidationError(_("Another version is already scheduled for this market."), code="already_scheduled")
    _transition(locked, PolicyStatus.SCHEDULED, actor=actor,
                note=_("Takes effect %(date)s.") % {"date": effective_at.isoformat()})
    locked.effective_at, locked.published_at = effective_at, now
    locked.save(update_fields=["status", "effective_at", "published_at"])
    if current is not None:
        from .tasks import policy_notices_send_task

        transaction.on_commit(lambda: policy_notices_send_task.delay(locked.pk))
    return locked


def policy_versions_activate_due(*, now=None) -> list[PolicyVersion]:
    now = now or timezone.now()
    activated = []
    for pk in PolicyVersion.objects.filter(status=PolicyStatus.SCHEDULED, effective_at__lte=now).values_list(
            "pk", flat=True):
        with transaction.atomic():
            version = PolicyVersion.objects.select_for_update().get(pk=pk)
            if version.status != PolicyStatus.SCHEDULED:
                continue
            for old in PolicyVersion.objects.select_for_update().filter(market=version.market_id,
                                                                        status=PolicyStatus.IN_FORCE):
                note = _("Superseded by version %(n)s.") % {"n": version.number}
                _transition(old, PolicyStatus.SUPERSEDED, note=note)
                old.superseded_at = now
                old.save(update_fields=["status", "superseded_at"])
            _transition(version, PolicyStatus.IN_FORCE)
            version.save(update_fields=["status"])
            activated.append(version)
    return activated


# -- selectors used by the services above and by other apps through policies.api ----------------------------

def in_force(market) -> PolicyVersion | None:
    return PolicyVersion.objects.filter(market=market, status=PolicyStatus.IN_FORCE).first()


def version_at(market, when) -> PolicyVersion | None:
    """The version that was in force at ``when`` (its effective time is the latest not after ``when``)."""
    return (PolicyVersion.objects.filter(market=market, effective_at__lte=when)
            .exclude(status__in=[PolicyStatus.DRAFT, PolicyStatus.SCHEDULED]).order_by("-effective_at").first())


# -- telling customers about a change --------------------------------------------------------------------------------

def customers_to_notify(version: PolicyVersion):
    """Customers of the market with an order still inside a return window (or not yet delivered)."""
    current = in_force(version.market)
    window = max(current.window_days if current else 0, version.window_days, 14)
    now = timezone.now()
    orders = Order.objects.filter(market=version.market, placed_at__gte=now - timedelta(days=NOTICE_LOOKBACK_DAYS)
                                  ).exclude(status="cancelled")
    open_orders = orders.filter(Q(shipments__delivered_at__isnull=True) |
                                Q(shipments__delivered_at__gte=now - timedelta(days=window)) |
                                Q(shipments__isnull=True))
    return open_orders.values("customer_id", "customer__email", "customer__language").distinct()


def policy_notices_prepare(*, version: PolicyVersion) -> int:
    """Record who must be told (once each); returns how many new people were added."""
    fallback = settings.LANGUAGE_CODE
    rows = [PolicyNotice(version=version, customer_id=row["customer_id"], email=row["customer__email"],
                         language=row["customer__language"] or fallback)
            for row in customers_to_notify(version) if row["customer__email"]]
    before = PolicyNotice.objects.filter(version=version).count()
    PolicyNotice.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return PolicyNotice.objects.filter(version=version).count() - before


def policy_notices_send_batch(*, version: PolicyVersion, size: int = 200) -> int:
    """Send up to ``size`` unsent notices; returns how many were sent (0 when none is left).

    Each notice is claimed under a row lock (``skip_locked``: two workers never take the same one) and marked
    sent in the same transaction as the send, so a failed send is retried and a sent one is never sent again.
    """
    sent = 0
    for _index in range(size):
        with transaction.atomic():
            notice = (PolicyNotice.objects.select_for_update(skip_locked=True)
                      .filter(version=version, sent_at__isnull=True).order_by("pk").first())
            if notice is None:
                break
            _send_notice(version, notice)
            notice.sent_at = timezone.now()
            notice.save(update_fields=["sent_at"])
            sent += 1
    return sent


def _send_notice(version: PolicyVersion, notice: PolicyNotice):
    language = notice.language if notice.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with translation.override(language):
        policy_url = f"{settings.PUBLIC_BASE_URL}/{language}/policies/{version.market.code.lower()}/returns/"
        context = {"version": version, "market": version.market, "store_name": settings.STORE_NAME,
                   "policy_url": policy_url}
        subject = _("Our return policy changes on %(date)s") % {
            "date": timezone.localtime(version.effective_at).date().isoformat()}
        text = render_to_string("policies/email/change_notice.txt", context)
        html = render_to_string("policies/email/change_notice.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[notice.email],
                                     headers={"Auto-Submitted": "auto-generated"})
    message.attach_alternative(html, "text/html")
    message.send()


def orders_stamp_policy_version(*, limit: int = 5000) -> int:
    """Record on each new order the version in force when it was placed (state-based: finds unstamped orders)."""
    stamped = 0
    orders = (Order.objects.filter(policy_version_id__isnull=True).only("pk", "market_id", "placed_at")
              .order_by("pk")[:limit])
    for order in orders:
        version = (PolicyVersion.objects.filter(market_id=order.market_id, effective_at__lte=order.placed_at)
                   .exclude(status__in=[PolicyStatus.DRAFT, PolicyStatus.SCHEDULED])
                   .order_by("-effective_at").values_list("pk", flat=True).first())
        if version is not None:
            stamped += Order.objects.filter(pk=order.pk, policy_version_id__isnull=True).update(
                policy_version_id=version)
    return stamped
