"""Money is integer minor units with a currency-exponent table; Decimal only at the edges; formatting per locale."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales.money import CurrencyError, convert, exponent, format_money, from_minor, to_minor


@pytest.mark.parametrize(("currency", "places"), [("USD", 2), ("EUR", 2), ("JPY", 0), ("KWD", 3), ("KRW", 0)])
def test_exponents(currency, places):
    assert exponent(currency) == places


@pytest.mark.parametrize(("amount", "currency", "minor"), [
    ("12.34", "USD", 1234), ("1234", "JPY", 1234), ("1.234", "KWD", 1234), ("0.1", "EUR", 10), (5, "GBP", 500),
])
def test_to_minor(amount, currency, minor):
    assert to_minor(amount, currency) == minor


@pytest.mark.parametrize(("amount", "currency", "message"), [
    ("12.345", "USD", "12.345 has more decimals than USD allows"),
    ("1.5", "JPY", "1.5 has more decimals than JPY allows"),
    ("ten", "USD", "'ten' is not an amount"),
    ("NaN", "USD", "'NaN' is not an amount"),
    ("1", "XYZ", "unknown currency 'XYZ': use an ISO 4217 code such as USD or EUR"),
])
def test_to_minor_refuses(amount, currency, message):
    with pytest.raises(CurrencyError) as raised:
        to_minor(amount, currency)
    assert str(raised.value) == message


def test_from_minor_keeps_the_currency_places():
    assert from_minor(1234, "USD") == Decimal("12.34")
    assert str(from_minor(1234, "JPY")) == "1234"
    assert str(from_minor(5, "KWD")) == "0.005"


@given(st.integers(min_value=-10**12, max_value=10**12), st.sampled_from(["USD", "JPY", "KWD", "EUR"]))
def test_round_trip_is_exact(minor, currency):
    assert to_minor(from_minor(minor, currency), currency) == minor


@pytest.mark.parametrize(("minor", "currency", "locale", "shown"), [
    (123456, "EUR", "de", "1.234,56\xa0€"),
    (123456, "USD", "en", "$1,234.56"),
    (123456, "EUR", "fr", "1\u202f234,56\xa0€"),
    (123456, "JPY", "en", "¥123,456"),
    (123456, "USD", "zh-hans", "US$1,234.56"),
])
def test_format_money_in_the_viewers_locale(minor, currency, locale, shown):
    assert format_money(minor, currency, locale) == shown


def test_convert_uses_the_stored_rate_and_rounds_half_up():
    assert convert(1000, "EUR", Decimal("1.08255"), "USD") == 1083  # 10.8255 → 10.83
    assert convert(1000, "JPY", Decimal("0.0067"), "USD") == 670
