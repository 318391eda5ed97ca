"""Seeds the phrase check's default rules: blame-shifting and dismissive wording in each supported language, with
the approved wording of that language. Managers edit or add rules in the admin afterwards.

Every language covers the same six meanings (I can't help you; this is not our fault; that's not my problem;
there is nothing I can do; you should have read the description; contact the carrier yourself) plus a few
natural variants. Reversing deletes exactly these rows (same language, pattern and suggestion), so rules that
managers added or edited stay.
"""

from django.db import migrations

SUGGESTIONS = {
    "en": "We'll look into this and get back to you within 2 hours.",
    "zh-hans": "我们会立即处理，并在 2 小时内回复您。",
    "es": "Lo revisamos y te respondemos en menos de 2 horas.",
    "de": "Wir kümmern uns darum und melden uns innerhalb von 2 Stunden bei Ihnen.",
    "fr": "Nous nous en occupons et revenons vers vous sous 2 heures.",
}

# Plain patterns are matched as words (an apostrophe is optional); "re:" patterns are regular expressions run on
# the normalised text (apostrophes unified, single spaces), case-insensitively.
PATTERNS = {
    "en": [
        # I can't help (you) — not "I can't help but notice", "I can't help it"
        r"re:\b(?:I|we) (?:can'?t|cannot|can not) help\b(?! (?:but|it|myself|ourselves|thinking|feeling|noticing|wondering)\b)",
        r"re:\b(?:I'?m|I am|we'?re|we are) (?:unable|not able) to help\b",
        # This is not our fault
        "not our fault",
        "isn't our fault",
        "not our responsibility",
        # That's not my problem
        "not my problem",
        "not our problem",
        # There is nothing I can do
        r"re:\b(?:there'?s|there is) nothing (?:more )?(?:I|we) can do\b",
        # You should have read the description / policy
        r"re:\byou should(?:'?ve| have) (?:read|checked|looked at)\b",
        # Contact the carrier yourself
        r"re:\bcontact (?:the (?:carrier|courier|shipping company|delivery company)|DHL|UPS|FedEx|USPS|DPD|GLS|Hermes) yourself\b",
        r"re:\byou(?:'ll| will)? (?:have to|need to|must) (?:contact|call|reach out to) the (?:carrier|courier|shipping company|delivery company)\b",
    ],
    "zh-hans": [
        # I can't help you
        r"re:我们?也?(?:帮不了|无法帮助|没办法帮|没法帮)(?:你|您)",
        # This is not our fault
        "不是我们的错",
        r"re:(?:不关我们的事|与我们无关|跟我们没关系|不是我们的责任)",
        # That's not my problem
        r"re:不是我们?的问题",
        # There is nothing I can do
        r"re:(?:无能为力|什么都做不了|什么也做不了)",
        # You should have read the description / policy
        r"re:(?:你|您)(?:应该|本应|早该|应当)(?:先|事先|提前|仔细|认真|好好)*(?:看|阅读|读)[^。！？\n]{0,6}(?:描述|说明|政策|条款|规则|详情)",
        # Contact the carrier yourself
        r"re:(?:自己|自行)去?(?:联系|联络|找|问)(?:一下)?(?:快递|物流|承运商|配送)",
    ],
    "es": [
        # I can't help you
        r"re:(?<!¿)\bno (?:(?:te|le|les|os) )?(?:puedo|podemos) ayudar(?:te|le|les|os)?\b",
        # This is not our fault
        r"re:\bno (?:es|fue) (?:culpa nuestra|nuestra culpa)\b",
        "no tenemos la culpa",
        # That's not my problem
        r"re:\bno es (?:(?:mi|nuestro) problema|problema (?:mío|nuestro))\b",
        # There is nothing I can do
        r"re:\b(?:no (?:puedo|podemos) hacer nada|no hay nada que (?:yo )?(?:pueda|podamos) hacer)\b",
        # You should have read the description / policy
        r"re:\b(?:deberías|tendrías que|usted debería|usted tendría que) haber leído\b|\b(?:debiste|tenías que|usted debió) leer\b",
        # Contact the carrier yourself
        r"re:\b(?:contacta|contacte|ponte en contacto|póngase en contacto|llama|llame)\b(?: \w+){0,5} (?:tú|usted) mism[oa]\b",
        r"re:\b(?:tienes que|tendrás que|debes|deberás|tiene que|tendrá que|debe) (?:contactar|llamar|reclamar|escribir) (?:a|al|a la|con el|con la) (?:transportista|mensajería|paquetería|empresa de (?:transporte|mensajería|paquetería)|Correos|SEUR|MRW)\b",
    ],
    "de": [
        # I can't help you
        r"re:\b(?:ich kann|kann ich|wir können|können wir) (?:Ihnen|dir|euch)(?: \w+){0,2} nicht (?:weiter)?helfen\b",
        # This is not our fault
        "nicht unsere Schuld",
        "dafür können wir nichts",
        r"re:\b(?:dafür sind wir|wir sind dafür|dafür bin ich|ich bin dafür) nicht zuständig\b",
        # That's not my problem
        r"re:\bnicht (?:mein|unser) Problem\b",
        # There is nothing I can do
        r"re:\b(?:(?:ich|wir|man) (?:kann|können)(?: da)?|da (?:kann|können) (?:ich|wir|man))(?: leider)? nichts (?:mehr )?(?:machen|tun)\b",
        # You should have read the description / policy
        r"re:\b(?:Sie hätten|du hättest)(?: \w+){1,3} (?:lesen|durchlesen) (?:sollen|müssen)\b",
        # Contact the carrier yourself
        r"re:\b(?:kontaktieren Sie|kontaktiere)(?: bitte)? (?:selbst (?:(?:den|die|das) )?\w+|(?:(?:den|die|das) )?\w+ selbst)\b",
        r"re:\b(?:wenden Sie sich|wende dich|melden Sie sich|melde dich)(?: bitte)? selbst (?:an|bei) (?:(?:den|die|dem|der|das) )?\w+",
    ],
    "fr": [
        # I can't help you
        r"re:\b(?:je (?:ne )?(?:peux|pourrai)|nous ne (?:pouvons|pourrons)|on (?:ne )?(?:peut|pourra)) pas (?:vous |t')aider\b",
        # This is not our fault
        r"re:\bpas (?:de )?notre faute\b",
        r"re:\bnous ne sommes pas responsables?\b",
        # That's not my problem
        r"re:\bpas (?:mon|notre) problème\b",
        # There is nothing I can do
        r"re:\b(?:je|nous|on) (?:ne )?(?:peux|pouvons|peut) rien (?:y )?faire\b|\bje n'?y peux rien\b",
        r"re:\bil n'?y a rien (?:à faire|que (?:je|nous) (?:puisse|puissions) faire|qu'?on puisse faire)",
        # You should have read the description / policy
        r"re:\b(?:vous auriez|tu aurais) d[ûu] lire\b",
        # Contact the carrier yourself
        r"re:\b(?:contactez|contacte|veuillez contacter|adressez-vous|adresse-toi)\b(?: [\w'-]+){0,4} (?:vous|toi)-même\b",
        r"re:\b(?:vous devez|tu dois|il faut|merci de) (?:contacter|appeler|voir avec|vous adresser (?:à|au)|vous rapprocher (?:de|du)) (?:le |la |l'|du )?(?:transporteur|livreur|La Poste|Colissimo|Chronopost)\b",
    ],
}


def seeded_rows():
    for language, patterns in PATTERNS.items():
        for pattern in patterns:
            yield language, pattern, SUGGESTIONS[language]


def seed(apps, schema_editor):
    PhraseRule = apps.get_model("tickets", "PhraseRule")
    alias = schema_editor.connection.alias
    PhraseRule.objects.using(alias).bulk_create(
        PhraseRule(language=language, pattern=pattern, suggestion=suggestion, active=True)
        for language, pattern, suggestion in seeded_rows()
    )


def unseed(apps, schema_editor):
    PhraseRule = apps.get_model("tickets", "PhraseRule")
    alias = schema_editor.connection.alias
    for language, pattern, suggestion in seeded_rows():
        PhraseRule.objects.using(alias).filter(language=language, pattern=pattern, suggestion=suggestion).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0002_desk"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
