"""One customer across channels: identities resolve to one customer; merging moves everything."""

import pytest
from django.core.exceptions import ValidationError

from aftersales.choices import IdentityKind
from aftersales.models import Customer, CustomerIdentity
from aftersales.services.customers import (
    customer_add_identity,
    customer_merge,
    customer_resolve,
    on_customer_merge,
)
from tests import factories

pytestmark = pytest.mark.django_db


def test_email_identity_is_normalised_and_resolved_to_one_customer():
    first, created = customer_resolve(kind=IdentityKind.EMAIL, value=" Ana@Example.COM ", defaults={"name": "Ana"})
    again, created_again = customer_resolve(kind=IdentityKind.EMAIL, value="ana@example.com")
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert (first.email, first.name) == ("ana@example.com", "Ana")


def test_phone_and_whatsapp_ids_are_compared_by_digits():
    customer, _ = customer_resolve(kind=IdentityKind.WHATSAPP, value="+34 612 345 678")
    assert customer_resolve(kind=IdentityKind.WHATSAPP, value="34612345678")[0].pk == customer.pk
    assert customer.phone == "+34612345678"


def test_empty_identity_is_refused():
    with pytest.raises(ValidationError, match="cannot identify a customer"):
        customer_resolve(kind=IdentityKind.EMAIL, value="  ")


def test_identity_of_another_customer_cannot_be_added():
    customer_resolve(kind=IdentityKind.EMAIL, value="ana@example.com")
    bob, _ = customer_resolve(kind=IdentityKind.EMAIL, value="bob@example.com")
    with pytest.raises(ValidationError, match="merge the two instead"):
        customer_add_identity(customer=bob, kind=IdentityKind.EMAIL, value="ANA@example.com")


def test_merge_moves_identities_orders_and_registered_rows_and_keeps_a_pointer(monkeypatch):
    from aftersales.services import customers

    monkeypatch.setattr(customers, "_MERGE_HOOKS", [])
    email_side, _ = customer_resolve(kind=IdentityKind.EMAIL, value="ana@example.com", defaults={"name": "Ana"})
    chat_side, _ = customer_resolve(kind=IdentityKind.MESSENGER, value="psid-123")
    order = factories.order(customer_obj=chat_side)
    moved = []
    on_customer_merge(lambda source, target: moved.append((source.pk, target.pk)))

    merged = customer_merge(source=chat_side, target=email_side)

    assert merged.pk == email_side.pk
    assert sorted(CustomerIdentity.objects.filter(customer=merged).values_list("kind", flat=True)) == [
        "email", "messenger"]
    order.refresh_from_db()
    assert order.customer_id == merged.pk
    assert Customer.objects.get(pk=chat_side.pk).merged_into_id == merged.pk
    assert moved[-1] == (chat_side.pk, email_side.pk)
    # the PSID now resolves to the surviving customer
    assert customer_resolve(kind=IdentityKind.MESSENGER, value="psid-123")[0].pk == merged.pk


def test_merging_into_itself_is_refused():
    ana, _ = customer_resolve(kind=IdentityKind.EMAIL, value="ana@example.com")
    with pytest.raises(ValidationError, match="cannot be merged into itself"):
        customer_merge(source=ana, target=ana)


def test_a_whatsapp_id_finds_the_customer_who_gave_that_phone_number():
    shopper = Customer.objects.create(name="Wang Fang", phone="+8613900001111")
    CustomerIdentity.objects.create(customer=shopper, kind=IdentityKind.PHONE, value="+8613900001111")
    found, created = customer_resolve(kind=IdentityKind.WHATSAPP, value="8613900001111")
    assert (found, created) == (shopper, False)
    assert CustomerIdentity.objects.filter(customer=shopper, kind=IdentityKind.WHATSAPP).exists()
