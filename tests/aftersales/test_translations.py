"""Every user-facing string is translated in every catalogue; the check itself catches what is missing."""

import shutil

import pytest
from babel.messages.pofile import read_po, write_po

from aftersales import catalogues


def test_every_catalogue_is_complete():
    problems = catalogues.check()
    assert [str(problem) for problem in problems] == [], (
        "run `make catalogues`, translate the new entries, and `manage.py catalogues check`")


def test_catalogues_exist_for_every_supported_language():
    assert sorted(catalogues.locales()) == ["de", "es", "fr", "zh_Hans"]
    for locale in catalogues.locales():
        assert catalogues.po_path(locale).exists()


@pytest.fixture
def locale_copy(tmp_path, settings):
    shutil.copytree(catalogues.locale_dir(), tmp_path / "locale", ignore=shutil.ignore_patterns("*.mo"))
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    return tmp_path / "locale"


def edit(locale_dir, locale, change):
    path = locale_dir / locale / "LC_MESSAGES" / "django.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    change(catalog)
    with path.open("wb") as handle:
        write_po(handle, catalog)


def test_check_reports_an_untranslated_entry(locale_copy):
    edit(locale_copy, "de", lambda catalog: setattr(catalog["Desk"], "string", ""))
    assert [str(p) for p in catalogues.check()] == ["de: untranslated: 'Desk'"]


def test_check_reports_a_fuzzy_entry(locale_copy):
    edit(locale_copy, "fr", lambda catalog: catalog["Log out"].flags.add("fuzzy"))
    assert "fr: fuzzy: 'Log out'" in [str(p) for p in catalogues.check()]


def test_check_reports_a_string_missing_from_the_catalogue(locale_copy):
    edit(locale_copy, "es", lambda catalog: catalog.delete("Dashboard"))
    assert [str(p) for p in catalogues.check()] == ["es: not in the catalogue: 'Dashboard'"]


def test_check_reports_a_broken_placeholder(locale_copy):
    key = "Find your %(store)s order to see its tracking, return an item or talk to us."
    edit(locale_copy, "zh_Hans", lambda catalog: setattr(catalog[key], "string", "查找您的订单 %(shop)s"))
    assert any(p.locale == "zh_Hans" and p.what.startswith("invalid") for p in catalogues.check())


def test_compile_writes_mo_files_without_gettext_binaries(locale_copy, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")  # no msgfmt reachable
    written = catalogues.compile_all()
    assert sorted(path.parent.parent.name for path in written) == ["de", "es", "fr", "zh_Hans"]
    assert all(path.stat().st_size > 500 for path in written)


def test_extraction_finds_template_and_python_strings():
    ids = {message.id for message in catalogues.extract_template() if message.id}
    assert "Log in to the desk" in ids  # templates/registration/login.html
    assert "Can use the agent desk" in ids  # aftersales/models.py
    assert "Find your %(store)s order to see its tracking, return an item or talk to us." in ids  # blocktranslate


def test_extraction_follows_a_translation_function_imported_under_another_name(tmp_path):
    """``gettext_lazy as _lazy`` once hid eleven table headings of the dashboard ("Sales", "Orders paid", …)
    from every catalogue: the check passed and German managers read English."""
    (tmp_path / "aftersales").mkdir()
    (tmp_path / "aftersales" / "labels.py").write_text(
        "from django.utils.translation import gettext_lazy as _lazy, ngettext as n_\n"
        "from other.module import gettext_lazy as _nothing\n"
        "LABEL = _lazy('Net sales')\n"
        "COUNT = n_('%(n)s parcel', '%(n)s parcels', 2)\n"
        "OTHER = _nothing('Not a translation')\n", encoding="utf-8")
    ids = {message.id for message in catalogues.extract_template(tmp_path) if message.id}
    assert ids == {"Net sales", ("%(n)s parcel", "%(n)s parcels")}


def test_the_dashboards_table_headings_are_in_the_catalogue():
    from django.utils import translation

    from aftersales.audit import display
    from aftersales.audit import metrics as m

    ids = {message.id for message in catalogues.extract_template() if message.id}
    for first, second in display.PART_LABELS.values():
        assert {str(first), str(second)} - {""} <= ids
    with translation.override("de"):
        assert display.part_labels(m.metric("refund_rate_amount")) == ("Erstattet", "Umsatz")
