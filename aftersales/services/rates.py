"""Exchange rates: the rate a record stores when it is written, so reports never re-price history."""

from datetime import date
from decimal import Decimal

from django.conf import settings

from aftersales.models import ExchangeRate


def rate_to_base(currency: str, on: date) -> Decimal:
    """Latest stored rate for ``currency`` on or before ``on``; 1 for the base currency.

    A missing rate is a configuration gap, not a reason to lose a refund: it falls back to the earliest
    rate known after ``on``, and to 1 only when the currency has no rate at all.
    """
    base = settings.STORE_BASE_CURRENCY
    if currency == base:
        return Decimal(1)
    rates = ExchangeRate.objects.filter(currency=currency, base_currency=base)
    found = rates.filter(valid_on__lte=on).order_by("-valid_on").values_list("rate", flat=True).first()
    if found is None:
        found = rates.order_by("valid_on").values_list("rate", flat=True).first()
    return found if found is not None else Decimal(1)
