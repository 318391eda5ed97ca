# ruff: noqa: E501  (prose in five languages reads better unbroken)
"""Realistic demo policies for the demo markets, in five languages, each passing its legal checks.

Per market: 30-day window; return shipping deducted from the refund where the law allows it (disclosed
before purchase); a keep-the-item threshold of about 20 in the market's currency; refunds within 10
business days in the US and Australia and 14 calendar days in the EU and UK.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from aftersales.models import Market, Order

from .choices import DayKind, ShippingPayer
from .models import FaqEntry, PolicyVersion
from .services import policy_version_create_draft, policy_version_publish

MARKET_CLAUSES = {
    "US": {"return_shipping_fee_minor": 800, "refund_days": 10, "refund_day_kind": DayKind.BUSINESS,
           "returnless_threshold_minor": 2000, "address": "Returns Center, 1200 Commerce Dr, Ontario, CA 91761, USA"},
    "DE": {"return_shipping_fee_minor": 900, "refund_days": 14, "refund_day_kind": DayKind.CALENDAR,
           "returnless_threshold_minor": 2000, "address": "Retourenlager, Industriestraße 8, 04129 Leipzig, Deutschland"},
    "FR": {"return_shipping_fee_minor": 900, "refund_days": 14, "refund_day_kind": DayKind.CALENDAR,
           "returnless_threshold_minor": 2000, "address": "Retourenlager, Industriestraße 8, 04129 Leipzig, Allemagne"},
    "ES": {"return_shipping_fee_minor": 900, "refund_days": 14, "refund_day_kind": DayKind.CALENDAR,
           "returnless_threshold_minor": 2000, "address": "Retourenlager, Industriestraße 8, 04129 Leipzig, Alemania"},
    "UK": {"return_shipping_fee_minor": 800, "refund_days": 14, "refund_day_kind": DayKind.CALENDAR,
           "returnless_threshold_minor": 2000, "address": "Returns Unit 4, Kiln Farm, Milton Keynes MK11 3EZ, UK"},
    "AU": {"return_shipping_fee_minor": 1200, "refund_days": 10, "refund_day_kind": DayKind.BUSINESS,
           "returnless_threshold_minor": 3000, "address": "Returns, 15 Bourke Rd, Alexandria NSW 2015, Australia"},
}

TEXT = {
    "title": {"en": "Returns and refunds", "zh_hans": "退货与退款", "es": "Devoluciones y reembolsos",
              "de": "Rückgabe und Erstattung", "fr": "Retours et remboursements"},
    "summary": {
        "en": "Changed your mind? Return it within 30 days of delivery. Faulty or wrong items are always free to "
              "return.",
        "zh_hans": "改变主意了？签收后 30 天内可退货。商品有质量问题或发错货，退货始终免费。",
        "es": "¿Has cambiado de opinión? Devuélvelo en los 30 días siguientes a la entrega. Los artículos defectuosos "
              "o equivocados siempre se devuelven gratis.",
        "de": "Sie haben es sich anders überlegt? Senden Sie den Artikel innerhalb von 30 Tagen nach Lieferung "
              "zurück. Defekte oder falsche Artikel senden Sie immer kostenlos zurück.",
        "fr": "Vous avez changé d’avis ? Retournez l’article dans les 30 jours suivant la livraison. Les articles "
              "défectueux ou erronés sont toujours retournés gratuitement.",
    },
    "conditions": {
        "en": "Items should be unused and in their original condition. Start your return in the help centre with "
              "your order number and email address.",
        "zh_hans": "商品应未经使用并保持原状。请在帮助中心使用订单号和邮箱地址申请退货。",
        "es": "Los artículos deben estar sin usar y en su estado original. Inicia la devolución en el centro de "
              "ayuda con tu número de pedido y tu correo electrónico.",
        "de": "Artikel sollten unbenutzt und im Originalzustand sein. Starten Sie die Rücksendung im Hilfe-Center "
              "mit Ihrer Bestellnummer und E-Mail-Adresse.",
        "fr": "Les articles doivent être non utilisés et dans leur état d’origine. Lancez votre retour depuis le "
              "centre d’aide avec votre numéro de commande et votre adresse e-mail.",
    },
}

FAQ = [
    ("returns", {
        "en": ("How do I return an item?", "Open the help centre, find your order with its number and your email, "
                                           "choose the items and print the return slip."),
        "zh_hans": ("如何退货？", "打开帮助中心，用订单号和邮箱找到订单，选择商品并打印退货单。"),
        "es": ("¿Cómo devuelvo un artículo?", "Abre el centro de ayuda, busca tu pedido con su número y tu correo, "
                                               "elige los artículos e imprime la etiqueta de devolución."),
        "de": ("Wie sende ich einen Artikel zurück?", "Öffnen Sie das Hilfe-Center, suchen Sie Ihre Bestellung mit "
                                                       "Nummer und E-Mail, wählen Sie die Artikel und drucken Sie den "
                                                       "Rücksendeschein."),
        "fr": ("Comment retourner un article ?", "Ouvrez le centre d’aide, retrouvez votre commande avec son numéro "
                                                  "et votre e-mail, choisissez les articles et imprimez le bon de "
                                                  "retour."),
    }),
    ("refunds", {
        "en": ("When will I get my refund?", "As soon as your return arrives at our warehouse and is checked; the "
                                             "policy above says within how many days."),
        "zh_hans": ("什么时候能收到退款？", "退货到达仓库并检验后即退款；具体天数见上方政策。"),
        "es": ("¿Cuándo recibiré mi reembolso?", "En cuanto tu devolución llegue a nuestro almacén y se revise; la "
                                                  "política indica en cuántos días."),
        "de": ("Wann erhalte ich meine Erstattung?", "Sobald Ihre Rücksendung in unserem Lager eingetroffen und "
                                                      "geprüft ist; die Frist steht in der Richtlinie oben."),
        "fr": ("Quand serai-je remboursé ?", "Dès que votre retour arrive à notre entrepôt et qu’il est vérifié ; la "
                                              "politique ci-dessus indique le délai."),
    }),
    ("shipping", {
        "en": ("Who pays for return shipping?", "For a change of mind, the return shipping shown before you pay is "
                                                "deducted from the refund. Faulty or wrong items: we pay."),
        "zh_hans": ("退货运费由谁承担？", "因个人原因退货时，付款前已告知的退货运费将从退款中扣除。质量问题或发错货由我们承担运费。"),
        "es": ("¿Quién paga el envío de la devolución?", "Si cambias de opinión, el envío indicado antes de pagar se "
                                                         "descuenta del reembolso. Artículos defectuosos o "
                                                         "equivocados: pagamos nosotros."),
        "de": ("Wer zahlt den Rückversand?", "Bei einer Rücksendung ohne Mangel ziehen wir die vor dem Kauf "
                                             "genannten Rückversandkosten von der Erstattung ab. Bei defekten oder "
                                             "falschen Artikeln zahlen wir."),
        "fr": ("Qui paie le retour ?", "En cas de changement d’avis, les frais de retour indiqués avant le paiement "
                                       "sont déduits du remboursement. Articles défectueux ou erronés : c’est nous "
                                       "qui payons."),
    }),
    ("tracking", {
        "en": ("Tracking says delivered but I have nothing. What now?", "Check with neighbours and your building, "
                                                                        "then tell us in the help centre: we show "
                                                                        "you the proof of delivery and make it "
                                                                        "right."),
        "zh_hans": ("物流显示已签收但我没收到怎么办？", "请先询问邻居和物业，然后在帮助中心告诉我们：我们会提供签收证明并妥善处理。"),
        "es": ("El seguimiento dice entregado pero no tengo nada. ¿Y ahora?", "Pregunta a tus vecinos y en tu "
                                                                               "edificio y cuéntanoslo en el centro "
                                                                               "de ayuda: te mostramos la prueba "
                                                                               "de entrega y lo solucionamos."),
        "de": ("Laut Sendungsverfolgung zugestellt, aber nichts angekommen?", "Fragen Sie Nachbarn und im Haus nach "
                                                                              "und melden Sie sich im Hilfe-Center: "
                                                                              "Wir zeigen Ihnen den "
                                                                              "Zustellnachweis und finden eine "
                                                                              "Lösung."),
        "fr": ("Le suivi indique livré mais je n’ai rien reçu ?", "Demandez à vos voisins et à votre gardien, puis "
                                                                  "écrivez-nous depuis le centre d’aide : nous vous "
                                                                  "montrons la preuve de livraison et trouvons une "
                                                                  "solution."),
    }),
]


@transaction.atomic
def seed_policies() -> int:
    """Publish version 1 for every demo market that has no policy yet; returns how many were created."""
    created = 0
    for market in Market.objects.filter(code__in=MARKET_CLAUSES):
        if PolicyVersion.objects.filter(market=market).exists():
            continue
        spec = MARKET_CLAUSES[market.code]
        texts = {f"{field}_{lang}": value for field, by_lang in TEXT.items() for lang, value in by_lang.items()}
        draft = policy_version_create_draft(
            market=market, window_days=30, return_shipping_payer=ShippingPayer.DEDUCTED,
            return_shipping_fee_minor=spec["return_shipping_fee_minor"], refund_days=spec["refund_days"],
            refund_day_kind=spec["refund_day_kind"], returnless_threshold_minor=spec["returnless_threshold_minor"],
            fees_disclosed_before_purchase=True, notice_days=30, return_address_en=spec["address"], **texts)
        version = policy_version_publish(version=draft)
        first_order = Order.objects.filter(market=market).order_by("placed_at").values_list("placed_at", flat=True).first()
        if first_order is not None:  # demo history: the policy was already in force when the first order came in
            since = first_order - timedelta(days=1)
            PolicyVersion.objects.filter(pk=version.pk).update(effective_at=since, published_at=since)
        for position, (topic, by_lang) in enumerate(FAQ):
            values = {}
            for lang, (question, answer) in by_lang.items():
                values[f"question_{lang}"], values[f"answer_{lang}"] = question, answer
            FaqEntry.objects.create(market=market, topic=topic, position=position, **values)
        created += 1
    return created
