"""Money: integer minor units plus an ISO 4217 code (DESIGN section 5).

Amounts live in the database as ``amount_minor`` integers. ``Decimal`` appears only at the edges (parsing
what a store or provider sends, showing a number to a person), and never a float. The number of minor
units per currency comes from the table below, not from an assumption of two decimals.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, list_currencies

from aftersales.places import babel_locale

# ISO 4217 minor-unit exponents that are not 2. Every other known code has 2.
_EXPONENTS = {
    # none
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0,
    "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    # three
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    # four
    "CLF": 4, "UYW": 4,
}
_KNOWN = frozenset(list_currencies())


class CurrencyError(ValueError):
    """The code is not an ISO 4217 currency, or an amount does not fit its minor units."""


def normalise_currency(code: str) -> str:
    currency = (code or "").strip().upper()
    if currency not in _KNOWN:
        raise CurrencyError(f"unknown currency {code!r}: use an ISO 4217 code such as USD or EUR")
    return currency


def exponent(currency: str) -> int:
    return _EXPONENTS.get(normalise_currency(currency), 2)


def to_minor(amount: Decimal | str | int, currency: str, *, exact: bool = True) -> int:
    """``Decimal("12.34"), "USD"`` → ``1234``. With ``exact`` a value finer than the minor unit is refused."""
    try:
        value = Decimal(str(amount).strip())
    except InvalidOperation:
        raise CurrencyError(f"{amount!r} is not an amount") from None
    if not value.is_finite():
        raise CurrencyError(f"{amount!r} is not an amount")
    scaled = value.scaleb(exponent(currency))
    rounded = scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if exact and rounded != scaled:
        raise CurrencyError(f"{amount} has more decimals than {normalise_currency(currency)} allows")
    return int(rounded)


def from_minor(amount_minor: int, currency: str) -> Decimal:
    """``1234, "USD"`` → ``Decimal("12.34")``; ``1234, "JPY"`` → ``Decimal("1234")``."""
    places = exponent(currency)
    return Decimal(int(amount_minor)).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def format_money(amount_minor: int, currency: str, locale: str = "en") -> str:
    """Shown in the viewer's locale: ``format_money(123456, "EUR", "de")`` → ``'1.234,56 €'``."""
    return format_currency(from_minor(amount_minor, currency), currency, locale=babel_locale(locale),
                           currency_digits=True)


def convert(amount_minor: int, currency: str, rate: Decimal, base_currency: str) -> int:
    """Convert with a stored rate (units of base per unit of ``currency``), rounding half up in base minor units."""
    value = from_minor(amount_minor, currency) * Decimal(rate)
    return to_minor(value.quantize(Decimal(1).scaleb(-exponent(base_currency)), rounding=ROUND_HALF_UP),
                    base_currency)
