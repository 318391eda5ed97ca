"""Places in the reader's language (babel's CLDR data, no catalogue entry needed).

A market the store named after a country ("United States", as the demo and most stores do) is shown as that
country is called in the reader's language ("Vereinigte Staaten", "États-Unis", "美国"); a name the store chose
itself ("EU warehouse") is shown as written. The stored name never changes.
"""

from __future__ import annotations

from functools import cache

from babel import Locale
from django.utils.translation import get_language


def babel_locale(language: str | None) -> str:
    """A Django language code as babel reads it (``zh-hans`` → ``zh_Hans_CN``)."""
    code = (language or "en").replace("-", "_")
    return "zh_Hans_CN" if code.lower() == "zh_hans" else code


@cache
def _countries_by_english_name() -> dict[str, str]:
    return {name: code for code, name in Locale("en").territories.items() if len(code) == 2 and code.isalpha()}


@cache
def _territories(locale: str) -> dict[str, str]:
    return dict(Locale.parse(locale).territories)


def market_name(name: str, language: str | None = None) -> str:
    """``name`` in ``language`` (the active one by default) when it is a country's English name, else as written."""
    code = _countries_by_english_name().get(name)
    if code is None:
        return name
    return _territories(babel_locale(language or get_language())).get(code, name)
