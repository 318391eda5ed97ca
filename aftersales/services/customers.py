"""One customer across channels: resolve an identity (email, phone, WhatsApp id, PSID) to a customer,
and merge two customers into one (DESIGN section 4).

Other apps keep their own rows pointing at customers (tickets, returns, …); the core cannot import them,
so they register a function with ``@on_customer_merge`` that moves their rows during a merge.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from aftersales.choices import IdentityKind
from aftersales.models import Coupon, Customer, CustomerIdentity, Order

MergeHook = Callable[[Customer, Customer], None]
_MERGE_HOOKS: list[MergeHook] = []


def on_customer_merge(function: MergeHook) -> MergeHook:
    """Register ``function(source, target)`` to move an app's rows from ``source`` to ``target``."""
    if function not in _MERGE_HOOKS:
        _MERGE_HOOKS.append(function)
    return function


def normalise_identity(kind: str, value: str) -> str:
    value = (value or "").strip()
    if kind == IdentityKind.EMAIL:
        return value.lower()
    if kind in (IdentityKind.PHONE, IdentityKind.WHATSAPP):
        digits = re.sub(r"\D", "", value)
        return f"+{digits}" if digits else ""
    return value


SAME_NUMBER = {IdentityKind.WHATSAPP: IdentityKind.PHONE, IdentityKind.PHONE: IdentityKind.WHATSAPP}


def root(customer: Customer) -> Customer:
    """The customer a merged one ended up in."""
    seen = set()
    while customer.merged_into_id and customer.pk not in seen:
        seen.add(customer.pk)
        customer = customer.merged_into
    return customer


@transaction.atomic
def customer_resolve(*, kind: str, value: str, defaults: dict | None = None) -> tuple[Customer, bool]:
    """The customer behind this identity, creating both when it is new. Returns (customer, created)."""
    normalised = normalise_identity(kind, value)
    if not normalised:
        raise ValidationError(_("An empty %(kind)s cannot identify a customer.") % {"kind": kind}, code="empty")
    identity = CustomerIdentity.objects.select_related("customer").filter(kind=kind, value=normalised).first()
    if identity:
        return root(identity.customer), False
    twin = SAME_NUMBER.get(kind)  # a WhatsApp id is a phone number: the customer who gave it at checkout
    known = twin and CustomerIdentity.objects.select_related("customer").filter(kind=twin, value=normalised).first()
    if known:
        customer = root(known.customer)
        CustomerIdentity.objects.create(customer=customer, kind=kind, value=normalised)
        return customer, False
    fields = dict(defaults or {})
    if kind == IdentityKind.EMAIL:
        fields.setdefault("email", normalised)
    elif kind in (IdentityKind.PHONE, IdentityKind.WHATSAPP):
        fields.setdefault("phone", normalised)
    customer = Customer(**fields)
    customer.full_clean()
    try:
        with transaction.atomic():  # two first messages of one new customer at once: one of them makes the row
            customer.save()
            CustomerIdentity.objects.create(customer=customer, kind=kind, value=normalised)
    except IntegrityError:
        identity = CustomerIdentity.objects.select_related("customer").get(kind=kind, value=normalised)
        return root(identity.customer), False
    return customer, True


@transaction.atomic
def customer_add_identity(*, customer: Customer, kind: str, value: str) -> CustomerIdentity:
    normalised = normalise_identity(kind, value)
    existing = CustomerIdentity.objects.filter(kind=kind, value=normalised).first()
    if existing and root(existing.customer).pk != root(customer).pk:
        raise ValidationError(_("This %(kind)s already belongs to another customer: merge the two instead.")
                              % {"kind": kind}, code="identity_taken")
    return existing or CustomerIdentity.objects.create(customer=customer, kind=kind, value=normalised)


@transaction.atomic
def customer_merge(*, source: Customer, target: Customer) -> Customer:
    """Move everything of ``source`` to ``target``; ``source`` stays as a pointer (``merged_into``)."""
    source, target = root(source), root(target)
    if source.pk == target.pk:
        raise ValidationError(_("A customer cannot be merged into itself."), code="same_customer")
    locked = {c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[source.pk, target.pk])}
    source, target = locked[source.pk], locked[target.pk]
    CustomerIdentity.objects.filter(customer=source).update(customer=target)
    Order.objects.filter(customer=source).update(customer=target)
    Coupon.objects.filter(customer=source).update(customer=target)
    for hook in _MERGE_HOOKS:
        hook(source, target)
    for field in ("email", "phone", "name", "language", "country"):
        if not getattr(target, field) and getattr(source, field):
            setattr(target, field, getattr(source, field))
    target.save()
    source.merged_into = target
    source.save(update_fields=["merged_into"])
    Customer.objects.filter(merged_into=source).update(merged_into=target)
    return target
