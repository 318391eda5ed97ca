"""Translation catalogues without the gettext binaries: extract, update, check and compile with babel.

Extraction reads Python sources with babel's Python extractor and Django templates through Django's own
``templatize`` (what ``makemessages`` feeds to xgettext), so the msgids are the ones Django looks up.
``manage.py catalogues update`` merges them into ``locale/<locale>/LC_MESSAGES/django.po``; ``check``
lists every missing, empty, fuzzy or placeholder-mismatched entry (the translation test calls it);
``compile`` writes the ``.mo`` files (``make demo`` and ``make test`` run it).
"""

from __future__ import annotations

import ast
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from django.conf import settings
from django.utils.translation import to_locale
from django.utils.translation.template import templatize

DOMAIN = "django"
SOURCE_DIRS = ["aftersales", "policies", "returns", "tickets", "disputes", "templates"]
SKIP_PARTS = {"migrations", "static", "__pycache__"}
TEMPLATE_SUFFIXES = {".html", ".txt"}
KEYWORDS = {
    "_": None, "gettext": None, "gettext_lazy": None, "gettext_noop": None,
    "ngettext": (1, 2), "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2), "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3), "npgettext_lazy": ((1, "c"), 2, 3),
}


TRANSLATION_MODULE = "django.utils.translation"


def keywords_of(source: str) -> dict:
    """The marking functions of one Python file: Django's names, plus any name a translation function is
    imported under there (``gettext_lazy as _lazy``), so an alias never hides its strings from the catalogue."""
    found = dict(KEYWORDS)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == TRANSLATION_MODULE:
            for name in node.names:
                if name.asname and name.name in KEYWORDS:
                    found[name.asname] = KEYWORDS[name.name]
    return found


@dataclass(frozen=True)
class Problem:
    locale: str
    msgid: str
    what: str

    def __str__(self):
        return f"{self.locale}: {self.what}: {self.msgid!r}"


def locales() -> list[str]:
    """Every language but the source language, as locale folder names (zh-hans → zh_Hans)."""
    return [to_locale(code) for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def locale_dir() -> Path:
    return Path(settings.LOCALE_PATHS[0])


def po_path(locale: str) -> Path:
    return locale_dir() / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def _source_files(base: Path) -> Iterator[Path]:
    for folder in SOURCE_DIRS:
        for path in sorted((base / folder).rglob("*")):
            if not path.is_file() or SKIP_PARTS & set(path.relative_to(base).parts):
                continue
            if path.suffix == ".py" or path.suffix in TEMPLATE_SUFFIXES:
                yield path


def extract_template(base: Path | None = None) -> Catalog:
    """Every translatable string in the sources, as a template catalogue (the .pot)."""
    base = base or Path(settings.BASE_DIR)
    template = Catalog(domain=DOMAIN, project="aftersales", fuzzy=False)
    for path in _source_files(base):
        source = path.read_text(encoding="utf-8")
        keywords = KEYWORDS
        if path.suffix in TEMPLATE_SUFFIXES:
            if "{%" not in source:
                continue
            # templatize blanks out markup but keeps its indentation, which Python's tokenizer rejects;
            # its strings are single-line reprs, so dropping leading blanks loses nothing.
            source = "\n".join(line.lstrip() for line in templatize(source, origin=str(path)).splitlines())
        else:
            keywords = keywords_of(source)
        relative = str(path.relative_to(base))
        for lineno, message, comments, context in extract(
            "python", io.BytesIO(source.encode("utf-8")), keywords=keywords,
            comment_tags=("Translators:",), options={"encoding": "utf-8"},
        ):
            template.add(message, None, [(relative, lineno)], auto_comments=comments, context=context)
    return template


def _read(locale: str) -> Catalog:
    path = po_path(locale)
    if not path.exists():
        return Catalog(locale=locale, domain=DOMAIN, project="aftersales", fuzzy=False)
    with path.open("rb") as handle:
        return read_po(handle, locale=locale, domain=DOMAIN)


def update() -> dict[str, int]:
    """Merge the extracted strings into each locale's .po; returns how many entries each still lacks."""
    template = extract_template()
    untranslated = {}
    for locale in locales():
        catalog = _read(locale)
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False, update_creation_date=False)
        catalog.obsolete.clear()
        path = po_path(locale)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, sort_output=True, include_previous=False,
                     omit_header=False)
        untranslated[locale] = sum(1 for m in catalog if m.id and not _complete(m))
    return untranslated


def _complete(message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return all(strings)


def check() -> list[Problem]:
    """Everything that would show a customer or agent an English or broken string."""
    template = extract_template()
    problems = []
    for locale in locales():
        if not po_path(locale).exists():
            problems.append(Problem(locale, "", "catalogue missing"))
            continue
        catalog = _read(locale)
        for wanted in template:
            if not wanted.id:
                continue
            message = catalog.get(wanted.id, context=wanted.context)
            if message is None:
                problems.append(Problem(locale, _key(wanted), "not in the catalogue"))
            elif message.fuzzy:
                problems.append(Problem(locale, _key(wanted), "fuzzy"))
            elif not _complete(message):
                problems.append(Problem(locale, _key(wanted), "untranslated"))
        for message, errors in catalog.check():
            problems.extend(Problem(locale, _key(message), f"invalid ({error})") for error in errors)
        problems.extend(Problem(locale, _key(m), "fuzzy") for m in catalog if m.id and m.fuzzy)
    return problems


def _key(message) -> str:
    msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
    return f"{message.context}|{msgid}" if message.context else msgid


def compile_all() -> list[Path]:
    """Write the .mo next to each .po; entries that are fuzzy or empty are left out, as msgfmt does."""
    written = []
    for po in sorted(locale_dir().glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=po.parent.parent.name, domain=DOMAIN)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(mo)
    return written
