"""The phrase check: the seeded rules flag each required meaning in every language (and nothing harmless), how text
and patterns are matched, replacing a sentence with the approved wording, the per-process cache, and the
reversible seeding migration."""

import importlib
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from tickets import phrases
from tickets.models import PhraseRule
from tickets.phrases import Finding, clear_cache, find_phrases, replace_with_suggestion

pytestmark = pytest.mark.django_db

seeding = importlib.import_module("tickets.migrations.0003_phrase_rules")

APPROVED = {
    "en": "We'll look into this and get back to you within 2 hours.",
    "zh-hans": "我们会立即处理，并在 2 小时内回复您。",
    "es": "Lo revisamos y te respondemos en menos de 2 horas.",
    "de": "Wir kümmern uns darum und melden uns innerhalb von 2 Stunden bei Ihnen.",
    "fr": "Nous nous en occupons et revenons vers vous sous 2 heures.",
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_cache()
    yield
    clear_cache()


def rule(pattern, *, pk=1, language="en", suggestion="Approved."):
    return SimpleNamespace(pk=pk, language=language, pattern=pattern, suggestion=suggestion)


# -- the seeded rules: each required meaning in each language -------------------------------------

REQUIRED = [
    # I can't help (you)
    ("en", "Sorry, I can't help you with that.", "I can't help"),
    ("zh-hans", "不好意思，我帮不了你。", "我帮不了你"),
    ("es", "Lo siento, no te puedo ayudar con eso.", "no te puedo ayudar"),
    ("de", "Leider kann ich Ihnen da nicht weiterhelfen.", "kann ich Ihnen da nicht weiterhelfen"),
    ("fr", "Désolé, je ne peux pas vous aider.", "je ne peux pas vous aider"),
    # This is not our fault
    ("en", "Sorry, this is not our fault, the carrier lost it.", "not our fault"),
    ("zh-hans", "这不是我们的错，是快递弄丢的。", "不是我们的错"),
    ("es", "Lo siento, pero no es culpa nuestra, el transportista lo perdió.", "no es culpa nuestra"),
    ("de", "Das ist nicht unsere Schuld, der Paketdienst hat es verloren.", "nicht unsere Schuld"),
    ("fr", "Ce n'est pas de notre faute, le transporteur l'a perdu.", "pas de notre faute"),
    # That's not my problem
    ("en", "Honestly, that's not my problem.", "not my problem"),
    ("zh-hans", "这不是我的问题，请找商家。", "不是我的问题"),
    ("es", "Eso no es nuestro problema.", "no es nuestro problema"),
    ("de", "Das ist nicht mein Problem.", "nicht mein Problem"),
    ("fr", "Ce n'est pas mon problème.", "pas mon problème"),
    # There is nothing I can do
    ("en", "I'm afraid there is nothing I can do about it.", "there is nothing I can do"),
    ("zh-hans", "对此我们无能为力。", "无能为力"),
    ("es", "No hay nada que podamos hacer.", "No hay nada que podamos hacer"),
    ("de", "Da kann ich leider nichts machen.", "Da kann ich leider nichts machen"),
    ("fr", "Je ne peux rien faire de plus.", "Je ne peux rien faire"),
    # You should have read the description / policy
    ("en", "You should have read the description before ordering.", "You should have read"),
    ("zh-hans", "你应该先看清楚商品描述再下单。", "你应该先看清楚商品描述"),
    ("es", "Deberías haber leído la descripción.", "Deberías haber leído"),
    ("de", "Sie hätten die Beschreibung lesen sollen.", "Sie hätten die Beschreibung lesen sollen"),
    ("fr", "Vous auriez dû lire la politique de retour.", "Vous auriez dû lire"),
    # Contact the carrier yourself
    ("en", "Please contact the carrier yourself.", "contact the carrier yourself"),
    ("zh-hans", "你自己去联系快递吧。", "自己去联系快递"),
    ("es", "Contacta tú mismo con la empresa de transporte.", "Contacta tú mismo"),
    ("de", "Kontaktieren Sie bitte selbst den Paketdienst.", "Kontaktieren Sie bitte selbst den Paketdienst"),
    ("fr", "Contactez le transporteur vous-même.", "Contactez le transporteur vous-même"),
]


@pytest.mark.parametrize(("language", "text", "phrase"), REQUIRED)
def test_each_required_meaning_is_flagged_in_each_language(language, text, phrase):
    [finding] = find_phrases(text, language=language)
    start = text.index(phrase)
    assert finding == Finding(rule_id=finding.rule_id, phrase=phrase, start=start, end=start + len(phrase),
                              suggestion=APPROVED[language])
    assert PhraseRule.objects.get(pk=finding.rule_id).language == language


@pytest.mark.parametrize(("language", "text", "phrase"), [
    ("en", "Sorry, I can't help you, that's not my problem.", "not my problem"),
    ("es", "Me temo que no podemos ayudarte.", "no podemos ayudarte"),
    ("de", "Dafür sind wir nicht zuständig.", "Dafür sind wir nicht zuständig"),
    ("de", "Wenden Sie sich bitte selbst an DHL.", "Wenden Sie sich bitte selbst an DHL"),
    ("fr", "Il n'y a rien à faire.", "Il n'y a rien à faire"),
    ("fr", "Vous devez contacter le transporteur.", "Vous devez contacter le transporteur"),
    ("zh-hans", "请您自行联系快递公司。", "自行联系快递"),
    ("zh-hans", "我们也帮不了您。", "我们也帮不了您"),
])
def test_natural_variants_are_flagged(language, text, phrase):
    assert phrase in [finding.phrase for finding in find_phrases(text, language=language)]


def test_every_language_is_seeded_with_its_approved_wording():
    counts = {language: PhraseRule.objects.filter(language=language).count() for language in APPROVED}
    assert counts == {language: len(patterns) for language, patterns in seeding.PATTERNS.items()}
    assert min(counts.values()) >= 6
    suggestions = PhraseRule.objects.order_by().values_list("language", "suggestion").distinct()
    assert sorted(suggestions) == sorted(APPROVED.items())
    assert not PhraseRule.objects.exclude(language__in=APPROVED).exists()


@pytest.mark.parametrize(("language", "text"), [
    ("en", "We can help you with that."),
    ("en", "It's not your fault at all, and we'll send a new one today."),
    ("en", "I can't wait to help you set it up."),
    ("en", "I can't help but notice the parcel was damaged: we'll refund you."),
    ("en", "We'll contact the carrier ourselves and there is nothing you need to do."),
    ("en", "You should have received the label by now."),
    ("zh-hans", "不是您的错，我们马上为您补发。"),
    ("zh-hans", "没问题，我们会帮您联系快递。"),
    ("es", "¿No te puedo ayudar con algo más? No es culpa tuya."),
    ("es", "Nosotros contactamos con la empresa de transporte."),
    ("de", "Das ist nicht Ihre Schuld, wir kümmern uns darum."),
    ("de", "Wir kontaktieren den Paketdienst und helfen Ihnen gern."),
    ("fr", "Ce n'est pas de votre faute, nous vous aidons."),
    ("fr", "Nous contactons le transporteur nous-mêmes."),
])
def test_harmless_text_is_not_flagged(language, text):
    assert find_phrases(text, language=language) == []


def test_english_rules_apply_in_any_conversation_but_other_languages_do_not():
    [finding] = find_phrases("Sorry, this is not our fault.", language="de")
    assert (finding.phrase, finding.suggestion) == ("not our fault", APPROVED["en"])
    assert find_phrases("Das ist nicht unsere Schuld.", language="fr") == []
    [finding] = find_phrases("这不是我们的错。", language="zh-Hans")  # the language code is normalised
    assert finding.suggestion == APPROVED["zh-hans"]


def test_inactive_rules_are_not_loaded():
    PhraseRule.objects.filter(language="en", pattern="not our fault").update(active=False)
    assert find_phrases("This is not our fault.", language="en") == []


# -- matching -------------------------------------------------------------------------------------

@pytest.mark.parametrize("written", ["I can't help", "I can’t help", "I can‘t help", "I can`t help", "I cant help"])
def test_apostrophe_variants(written):
    text = f"Sorry, {written} you."
    expected = [Finding(rule_id=5, phrase=written, start=7, end=7 + len(written), suggestion="Approved.")]
    assert find_phrases(text, language="en", rules=[rule("I can't help", pk=5)]) == expected
    assert find_phrases(text, language="en", rules=[rule("I can’t help", pk=5)]) == expected
    assert find_phrases(text, language="en")[0].phrase == written  # the seeded regular expression too


def test_case_insensitive_and_whitespace_collapsed():
    text = "THIS IS NOT OUR FAULT.\nNot  our\n  fault, really."
    assert [(f.phrase, f.start, f.end) for f in find_phrases(text, language="en", rules=[rule("not our fault")])] == [
        ("NOT OUR FAULT", 8, 21), ("Not  our\n  fault", 23, 39)]


def test_words_not_parts_of_words():
    rules = [rule("not our fault"), rule("I can't help", pk=2)]
    assert find_phrases("It's not your fault at all.", language="en", rules=rules) == []
    assert find_phrases("I can't wait to help.", language="en", rules=rules) == []
    assert find_phrases("knot our faults", language="en", rules=rules) == []
    assert find_phrases("We can help you with that.", language="en", rules=rules) == []


def test_chinese_is_matched_as_a_substring():
    rules = [rule("我帮不了你", language="zh-hans"), rule("DHL", pk=2)]
    text = "抱歉我帮不了你的忙，请联系DHL客服"
    assert find_phrases(text, language="zh-hans", rules=rules) == [
        Finding(rule_id=1, phrase="我帮不了你", start=2, end=7, suggestion="Approved."),
        Finding(rule_id=2, phrase="DHL", start=13, end=16, suggestion="Approved."),
    ]
    assert find_phrases("Ask DHLExpress", language="en", rules=rules) == []


def test_a_regex_rule():
    rules = [rule(r"re:\brefunds? (?:is|are|was) (?:not possible|impossible)\b", pk=9)]
    text = "A REFUND  is impossible, and refunds are not possible."
    assert [(f.rule_id, f.phrase, f.start) for f in find_phrases(text, language="en", rules=rules)] == [
        (9, "REFUND  is impossible", 2), (9, "refunds are not possible", 29)]


def test_a_broken_regex_is_skipped():
    rules = [rule("re:(unclosed"), rule("not our fault", pk=2)]
    assert [f.rule_id for f in find_phrases("(unclosed, not our fault", language="en", rules=rules)] == [2]


def test_overlapping_findings_keep_the_longest_sorted_by_start():
    rules = [rule("not our fault", pk=1), rule("this is not our fault", pk=2), rule("our", pk=3),
             rule("the carrier", pk=4)]
    text = "Well, this is not our fault: ask the carrier, not our team."
    assert [(f.rule_id, f.phrase) for f in find_phrases(text, language="en", rules=rules)] == [
        (2, "this is not our fault"), (4, "the carrier"), (3, "our")]


def test_the_conversation_language_wins_a_tie_with_english():
    rules = [rule("pas de problème", pk=1, language="en", suggestion="EN"),
             rule("pas de problème", pk=2, language="fr", suggestion="FR")]
    assert [f.suggestion for f in find_phrases("Pas de problème", language="fr", rules=rules)] == ["FR"]


def test_empty_text():
    assert find_phrases("", language="en") == []
    assert find_phrases("  \n", language="en") == []


# -- replacing ------------------------------------------------------------------------------------

def test_replace_with_suggestion_replaces_the_sentence():
    text = "Hi Anna,\nthanks for writing. Sorry, this is not our fault, the carrier lost it. Best, Tom"
    [finding] = find_phrases(text, language="en")
    assert replace_with_suggestion(text, finding) == (
        "Hi Anna,\nthanks for writing. We'll look into this and get back to you within 2 hours. Best, Tom")


def test_replace_from_the_line_start_to_the_line_end():
    text = "Hello\nSorry, that's not my problem  \nRegards"
    [finding] = find_phrases(text, language="en")
    assert replace_with_suggestion(text, finding) == (
        "Hello\nWe'll look into this and get back to you within 2 hours.  \nRegards")


def test_replace_in_chinese():
    text = "您好！这不是我们的错，是快递的问题。祝好"
    [finding] = find_phrases(text, language="zh-hans")
    assert replace_with_suggestion(text, finding) == "您好！我们会立即处理，并在 2 小时内回复您。祝好"


def test_replace_refuses_a_changed_text():
    finding = Finding(rule_id=1, phrase="not our fault", start=0, end=13, suggestion="Approved.")
    with pytest.raises(ValueError, match="changed"):
        replace_with_suggestion("It is fine now.", finding)


# -- the cache ------------------------------------------------------------------------------------

def test_rules_are_loaded_in_one_query_and_cached(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert find_phrases("Calm down, please.", language="de") == []
    new = PhraseRule.objects.create(language="en", pattern="calm down", suggestion="I understand.")
    with django_assert_num_queries(0):
        assert find_phrases("Calm down, please.", language="de") == []
    clear_cache()
    assert find_phrases("Calm down, please.", language="de") == [
        Finding(rule_id=new.pk, phrase="Calm down", start=0, end=9, suggestion="I understand.")]


def test_the_cache_expires(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(phrases.time, "monotonic", lambda: now[0])
    assert find_phrases("Calm down.", language="en") == []
    PhraseRule.objects.create(language="en", pattern="calm down", suggestion="I understand.")
    now[0] += phrases.CACHE_SECONDS - 1
    assert find_phrases("Calm down.", language="en") == []
    now[0] += 1
    assert [f.phrase for f in find_phrases("Calm down.", language="en")] == ["Calm down"]


# -- the migration --------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_the_seeding_migration_is_reversible():
    def seeded():
        return sorted(PhraseRule.objects.exclude(pk=own.pk).values_list("language", "pattern", "suggestion"))

    call_command("migrate", "tickets", "0002", verbosity=0)
    assert not PhraseRule.objects.exists()
    own = PhraseRule.objects.create(language="en", pattern="calm down", suggestion="I understand.")

    call_command("migrate", verbosity=0)
    assert seeded() == sorted(seeding.seeded_rows())

    call_command("migrate", "tickets", "0002", verbosity=0)
    assert list(PhraseRule.objects.values_list("pk", flat=True)) == [own.pk]  # a manager's rule stays

    call_command("migrate", verbosity=0)
    assert seeded() == sorted(seeding.seeded_rows())
