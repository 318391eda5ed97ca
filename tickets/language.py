"""Which of our five languages an inbound customer message is written in, so a ticket is routed and answered in it.

Pure Python, no database. Text goes through py3langid (offline; its model ships with the package) restricted to
the supported languages plus its ``zxx`` "not a language" class, so gibberish, Cyrillic and other leftovers
abstain instead of being forced into one of ours. Before the model:

- quoted history (``>`` lines, the "On … wrote:" line above them, an Outlook "Original Message" block), URLs,
  email addresses, order numbers (``#1234``) and digits are removed: they say nothing about the writer's language;
- text whose letters are mostly Han characters is Chinese without asking the model. Traditional characters count
  too, since Simplified Chinese is the only Chinese we answer in. Text with kana or Hangul (about one per four Han
  characters or more) is Japanese or Korean, which we do not support, so it falls back like any other script.

A short (fewer than ``MIN_WORDS`` words, each Han character counting as one) or unsure (normalised probability
below ``MIN_CONFIDENCE``) result falls back to ``Signals``: the portal language the customer used, their stored
language, the market's first supported language, their phone's country code, then English. Confident text
beats the signals (a German customer of the US store writing German gets ``de``); "ok thanks" from the Spanish
portal gets ``es``.

Because the model only knows our five languages, text in another language is read as the closest of ours
(Portuguese as Spanish, Dutch as German) when it is confident, and falls back to the signals when it is not
(often the case for Italian, which sits between Spanish and French).

The model takes about half a second to load: it is loaded on the first call, once per process, and kept.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

SUPPORTED = ("en", "zh-hans", "es", "de", "fr")
FALLBACK_LANGUAGE = "en"
MIN_WORDS = 3
MIN_CONFIDENCE = 0.7

# Model label -> our Django language code; "zxx" (numbers, markup, identifiers) is deliberately absent: it abstains.
_MODEL_LANGUAGES = {"en": "en", "zh": "zh-hans", "es": "es", "de": "de", "fr": "fr"}
_NOT_A_LANGUAGE = "zxx"

# E.164 country calling codes (prefix-free, so the longest match is the only match). +1 is NANP: US, Canada and
# most of the Caribbean. Belgium and Switzerland are multilingual: French and German are our closest fit.
_PHONE_PREFIXES = {
    "1": "en", "44": "en", "61": "en", "64": "en", "353": "en",
    "49": "de", "43": "de", "41": "de", "423": "de",
    "33": "fr", "32": "fr", "377": "fr",
    "34": "es", "52": "es", "53": "es", "54": "es", "56": "es", "57": "es", "58": "es", "51": "es",
    "502": "es", "503": "es", "504": "es", "505": "es", "506": "es", "507": "es",
    "591": "es", "593": "es", "595": "es", "598": "es",
    "86": "zh-hans", "886": "zh-hans", "852": "zh-hans", "853": "zh-hans",
}
_LONGEST_PREFIX = max(len(prefix) for prefix in _PHONE_PREFIXES)

_QUOTED_LINE = re.compile(r"^\s*>")
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original|原始邮件)\s*-{2,}\s*$",
    re.IGNORECASE,
)
# ASCII-only on purpose: Chinese writers put no space around them, and the Han characters next to one must stay.
_URL = re.compile(r"(?:https?://|www\.)[!-~]+", re.IGNORECASE)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_ORDER_NUMBER = re.compile(r"#\s?[A-Za-z0-9-]*\d[A-Za-z0-9-]*")
_DIGITS = re.compile(r"\d+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef\U00030000-\U0003134f]")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]")
_WORD = re.compile(r"[^\W\d_]+")

_identifier: LanguageIdentifier | None = None
_identifier_lock = threading.Lock()


@dataclass(frozen=True, kw_only=True, slots=True)
class Signals:
    """What else we know about the writer, strongest first; used only when the text itself is not enough."""

    portal_language: str | None = None  # the UI language the customer used to write (portal, web chat)
    customer_language: str | None = None  # ``Customer.language``
    market_languages: tuple[str, ...] = ()  # ``Market.languages`` of the store they bought from
    phone: str | None = None  # E.164, e.g. "+4915112345678"


def detect_language(text: str, *, signals: Signals | None = None) -> str:
    """The supported language code (one of ``SUPPORTED``) to treat ``text`` as written in."""
    cleaned = _strip_noise(text)
    letters = sum(1 for char in cleaned if char.isalpha())
    if not letters:
        return _language_from_signals(signals)
    han = len(_HAN.findall(cleaned))
    kana_hangul = len(_KANA_HANGUL.findall(cleaned))
    if kana_hangul * 4 >= han:
        han = 0  # no Han, or Japanese or Korean, whose Han characters are not Chinese
    elif han * 2 >= letters:
        return "zh-hans"
    if (len(_LATIN.findall(cleaned)) + han) * 2 < letters:
        return _language_from_signals(signals)  # mostly a script none of our languages uses
    words = han + len(_WORD.findall(_HAN.sub(" ", cleaned)))
    if words < MIN_WORDS:
        return _language_from_signals(signals)
    label, confidence = _get_identifier().classify(cleaned)
    language = _MODEL_LANGUAGES.get(label)
    if language is None or confidence < MIN_CONFIDENCE:
        return _language_from_signals(signals)
    return language


def language_of_phone(phone: str) -> str | None:
    """The supported language most customers with this international number speak, or None if we cannot tell.

    Only international numbers say where they are from: "+49 151 …" or "0049 151 …", not "0151 …".
    """
    compact = re.sub(r"[\s().\-/]", "", phone or "")
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not compact.startswith("+") or not compact[1:].isdigit():
        return None
    digits = compact[1:]
    for length in range(_LONGEST_PREFIX, 0, -1):
        language = _PHONE_PREFIXES.get(digits[:length])
        if language is not None and len(digits) > length:
            return language
    return None


def _language_from_signals(signals: Signals | None) -> str:
    if signals is None:
        return FALLBACK_LANGUAGE
    for code in (signals.portal_language, signals.customer_language, *signals.market_languages):
        language = _as_supported(code)
        if language is not None:
            return language
    return language_of_phone(signals.phone or "") or FALLBACK_LANGUAGE


def _as_supported(code: str | None) -> str | None:
    """``code`` as one of ``SUPPORTED``: "de-AT" -> "de", "zh_TW" -> "zh-hans"; None when we do not speak it."""
    if not code:
        return None
    code = code.strip().lower().replace("_", "-")
    if code == "zh" or code.startswith("zh-"):
        return "zh-hans"
    base = code.split("-", 1)[0]
    return base if base in SUPPORTED else None


def _strip_noise(text: str) -> str:
    """The customer's own words: no quoted history, URLs, email addresses, order numbers or digits."""
    lines = (text or "").splitlines()
    for index, line in enumerate(lines):
        if _ORIGINAL_MESSAGE.match(line):
            lines = lines[:index]
            break
    kept: list[str] = []
    in_quote = False
    for line in lines:
        if _QUOTED_LINE.match(line):
            if not in_quote:
                while kept and not kept[-1].strip():
                    kept.pop()
                if kept and kept[-1].rstrip().endswith((":", "：")):
                    kept.pop()  # the "On Mon, … wrote:" line introducing the quote
            in_quote = True
            continue
        in_quote = in_quote and not line.strip()
        kept.append(line)
    cleaned = "\n".join(kept)
    for pattern in (_URL, _EMAIL, _ORDER_NUMBER, _DIGITS):
        cleaned = pattern.sub(" ", cleaned)
    return cleaned


def _get_identifier() -> LanguageIdentifier:
    """The py3langid model restricted to our languages, loaded on first use and shared by every thread."""
    global _identifier
    if _identifier is None:
        with _identifier_lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
                identifier.set_languages([*_MODEL_LANGUAGES, _NOT_A_LANGUAGE])
                _identifier = identifier
    return _identifier
