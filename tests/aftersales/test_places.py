"""Market names in the reader's language: a country's English name becomes that country's name in the language
asked for; a name the store chose is kept as written."""

import pytest
from django.utils import translation

from aftersales.places import babel_locale, market_name


@pytest.mark.parametrize(("name", "language", "shown"), [
    ("United States", "de", "Vereinigte Staaten"),
    ("United Kingdom", "fr", "Royaume-Uni"),
    ("Germany", "es", "Alemania"),
    ("Australia", "zh-hans", "澳大利亚"),
    ("Spain", "en", "Spain"),
    ("EU warehouse", "de", "EU warehouse"),
    ("", "de", ""),
])
def test_market_name(name, language, shown):
    assert market_name(name, language) == shown


def test_the_active_language_is_the_default():
    with translation.override("fr"):
        assert market_name("Germany") == "Allemagne"


def test_babel_locale():
    assert [babel_locale(code) for code in ("zh-hans", "de", "", None)] == ["zh_Hans_CN", "de", "en", "en"]
