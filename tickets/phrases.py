"""The phrase check of the agent desk: blame-shifting or dismissive wording in a reply, and the approved wording.

Pure functions over ``PhraseRule`` rows (managers edit them in the admin); the desk calls ``find_phrases`` while an
agent writes and again on send, and ``replace_with_suggestion`` when the agent takes the offered wording.

- Rules of the conversation's language and of English are checked (agents often write English in any
  conversation). They are read in one query and kept per process for ``CACHE_SECONDS``, so an edit in the admin
  shows within a minute; ``clear_cache()`` drops them at once.
- Text and patterns are normalised first: typographic apostrophes (’ ‘ `) become ', runs of whitespace one space;
  matching ignores case. Offsets in a ``Finding`` are offsets in the text as written, and ``phrase`` is that text.
- A plain pattern is matched as words: an apostrophe in it is optional (``can't`` also finds "cant"), and it must
  not start or end inside a word, except next to CJK characters, which have no spaces between words (Chinese is
  matched as a substring). A pattern starting ``re:`` is a regular expression, used as written (its own ``\\b``);
  a broken one is logged and skipped rather than stopping the agent's reply.
- Overlapping findings: the longest wins (then the earlier, then the conversation's language over English).
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from .models import PhraseRule

logger = logging.getLogger(__name__)

CACHE_SECONDS = 60
FALLBACK_LANGUAGE = "en"
REGEX_PREFIX = "re:"

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})
_SPACES = re.compile(r"\s+")
# Scripts written without spaces between words: no word boundaries next to these characters.
_CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f"
_SPACED_WORD_CHAR = re.compile(rf"[^\W{_CJK}]")
_NOT_AFTER_WORD = rf"(?<![^\W{_CJK}])"
_NOT_BEFORE_WORD = rf"(?![^\W{_CJK}])"
# A sentence ends at . ! ? followed by a space, a closing quote or bracket, or the end; or at 。！？ anywhere.
_SENTENCE_END = re.compile(r"[.!?]+(?=[\s\"'”’)\]]|$)|[。！？]+")


class RuleLike(Protocol):
    pk: int | None
    language: str
    pattern: str
    suggestion: str


@dataclass(frozen=True)
class Finding:
    rule_id: int | None
    phrase: str  # the matched text as written
    start: int
    end: int
    suggestion: str


@dataclass(frozen=True)
class _Rule:
    rule_id: int | None
    rank: int  # 0 for the conversation's language, 1 for the fallback language
    regex: re.Pattern[str]
    suggestion: str


_cache: dict[str, tuple[float, tuple[_Rule, ...]]] = {}
_cache_lock = threading.Lock()


def find_phrases(text: str, *, language: str, rules: Iterable[RuleLike] | None = None) -> list[Finding]:
    """The flagged phrases in ``text``, sorted by start. ``rules`` defaults to the active rules of ``language``
    and English; rules passed in are used as they are (whatever their language or state)."""
    if not text or not text.strip():
        return []
    language = _language_code(language)
    compiled = _active_rules(language) if rules is None else _compile_rules(rules, language)
    if not compiled:
        return []
    normalised, starts, ends = _normalise(text)
    candidates: list[tuple[int, int, int, int, _Rule]] = []  # (start, end, rank, order, rule) in `normalised`
    for order, rule in enumerate(compiled):
        for match in rule.regex.finditer(normalised):
            if match.end() > match.start():
                candidates.append((match.start(), match.end(), rule.rank, order, rule))
    candidates.sort(key=lambda c: (c[0] - c[1], c[0], c[2], c[3]))
    kept: list[tuple[int, int, _Rule]] = []
    for start, end, _rank, _order, rule in candidates:
        if all(end <= other_start or other_end <= start for other_start, other_end, _ in kept):
            kept.append((start, end, rule))
    findings = []
    for start, end, rule in sorted(kept, key=lambda k: k[0]):
        text_start, text_end = starts[start], ends[end - 1]
        findings.append(Finding(rule_id=rule.rule_id, phrase=text[text_start:text_end], start=text_start,
                                end=text_end, suggestion=rule.suggestion))
    return findings


def replace_with_suggestion(text: str, finding: Finding) -> str:
    """``text`` with the sentence holding ``finding`` (from the end of the sentence before it, or the start of
    its line, up to and including its own end) replaced by the suggestion."""
    if text[finding.start:finding.end] != finding.phrase:
        raise ValueError("The text has changed since the phrase check: check it again.")
    line_start = text.rfind("\n", 0, finding.start) + 1
    sentence_start = max([line_start, *(m.end() for m in _SENTENCE_END.finditer(text, line_start, finding.start))])
    while sentence_start < finding.start and text[sentence_start].isspace():
        sentence_start += 1
    line_end = text.find("\n", finding.end)
    line_end = len(text) if line_end == -1 else line_end
    end_match = _SENTENCE_END.search(text, finding.end, line_end)
    sentence_end = end_match.end() if end_match else line_end
    if not end_match:  # keep the spaces before the line break
        while sentence_end > finding.end and text[sentence_end - 1].isspace():
            sentence_end -= 1
    return text[:sentence_start] + finding.suggestion + text[sentence_end:]


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


# -- loading and compiling -----------------------------------------------------------------------

def _language_code(language: str) -> str:
    return (language or FALLBACK_LANGUAGE).strip().lower().replace("_", "-")


def _languages(language: str) -> tuple[str, ...]:
    """The conversation's language, its base language ("de" for "de-at"), then English."""
    ordered = [language, language.split("-")[0], FALLBACK_LANGUAGE]
    return tuple(dict.fromkeys(ordered))


def _active_rules(language: str) -> tuple[_Rule, ...]:
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(language)
    if cached and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    rows = PhraseRule.objects.filter(active=True, language__in=_languages(language)).order_by("id")
    compiled = _compile_rules(list(rows), language)
    with _cache_lock:
        _cache[language] = (now, compiled)
    return compiled


def _compile_rules(rules: Iterable[RuleLike], language: str) -> tuple[_Rule, ...]:
    own = set(_languages(language)) - {FALLBACK_LANGUAGE} or {FALLBACK_LANGUAGE}
    compiled = []
    for rule in rules:
        regex = _compile(rule.pattern)
        if regex is not None:
            rank = 0 if _language_code(rule.language) in own else 1
            compiled.append(_Rule(rule_id=rule.pk, rank=rank, regex=regex, suggestion=rule.suggestion))
    return tuple(compiled)


@functools.lru_cache(maxsize=1024)
def _compile(pattern: str) -> re.Pattern[str] | None:
    pattern = unicodedata.normalize("NFC", pattern)
    if pattern.startswith(REGEX_PREFIX):
        source = pattern[len(REGEX_PREFIX):].translate(_APOSTROPHES)
    else:
        words = _SPACES.sub(" ", pattern.translate(_APOSTROPHES)).strip()
        if not words:
            return None
        source = "".join("'?" if char == "'" else re.escape(char) for char in words)
        if _SPACED_WORD_CHAR.match(words[0]):
            source = _NOT_AFTER_WORD + source
        if _SPACED_WORD_CHAR.match(words[-1]):
            source += _NOT_BEFORE_WORD
    try:
        return re.compile(source, re.IGNORECASE)
    except re.error as error:
        logger.warning("Phrase rule pattern %r is not a valid regular expression: %s", pattern, error)
        return None


def _normalise(text: str) -> tuple[str, Sequence[int], Sequence[int]]:
    """The text with apostrophes unified and whitespace runs collapsed, and for each of its characters the
    start and end offsets in the original text."""
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    for space in _SPACES.finditer(text):
        pieces.append(text[position:space.start()].translate(_APOSTROPHES))
        starts.extend(range(position, space.start()))
        ends.extend(range(position + 1, space.start() + 1))
        pieces.append(" ")
        starts.append(space.start())
        ends.append(space.end())
        position = space.end()
    pieces.append(text[position:].translate(_APOSTROPHES))
    starts.extend(range(position, len(text)))
    ends.extend(range(position + 1, len(text) + 1))
    return "".join(pieces), starts, ends
