"""Language detection of inbound customer messages: the text when it is clear, the signals when it is not."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickets import language
from tickets.language import SUPPORTED, Signals, detect_language, language_of_phone

# Signals pointing away from the text's language, to show that clear text wins over them.
MISLEADING = {
    "en": Signals(portal_language="de", customer_language="de", market_languages=("de",), phone="+4915112345678"),
    "zh-hans": Signals(portal_language="en", market_languages=("en",), phone="+14155550100"),
    "es": Signals(portal_language="en", customer_language="en", market_languages=("en",), phone="+447700900123"),
    "de": Signals(portal_language="en", customer_language="en", market_languages=("en", "es"), phone="+12125550100"),
    "fr": Signals(portal_language="es", market_languages=("es",), phone="+34612345678"),
}

MESSAGES = [
    ("en", "Where is my order? It has been 3 weeks"),
    ("en", "Hi, the parcel arrived today but the mug inside is broken. Can I get a replacement?"),
    ("en", "I'd like to return the shoes, they are too small. How do I get a return label?"),
    ("en", "You charged my card twice for order #48213, please refund one of the payments."),
    ("en", "I still haven't received my parcel"),
    ("zh-hans", "我的订单什么时候到？"),
    ("zh-hans", "你好，我收到的杯子是碎的，可以换一个吗？"),
    ("zh-hans", "我想退货，尺码太小了，请问怎么办理退货？"),
    ("zh-hans", "订单 #48213 已经付款两次了，请退还一笔。"),
    ("zh-hans", "iPhone 充电器坏了，能退款吗"),
    ("es", "¿Dónde está mi pedido?"),
    ("es", "Hola, el paquete llegó hoy pero la taza está rota. ¿Me pueden enviar otra?"),
    ("es", "Quiero devolver las zapatillas porque me quedan pequeñas. ¿Cómo consigo la etiqueta?"),
    ("es", "Me cobraron dos veces el pedido #48213, por favor devuélvanme uno de los pagos."),
    ("es", "Todavía no he recibido mi paquete"),
    ("de", "Wo ist meine Bestellung?"),
    ("de", "Hallo, das Paket kam heute an, aber die Tasse darin ist zerbrochen. Bekomme ich Ersatz?"),
    ("de", "Ich möchte die Schuhe zurückschicken, sie sind zu klein. Wie bekomme ich ein Rücksendeetikett?"),
    ("de", "Sie haben meine Karte für Bestellung #48213 zweimal belastet, bitte erstatten Sie eine Zahlung."),
    ("de", "WO BLEIBT MEIN PAKET"),
    ("fr", "Où est ma commande ?"),
    ("fr", "Bonjour, le colis est arrivé aujourd'hui mais la tasse est cassée. Pouvez-vous m'en renvoyer une ?"),
    ("fr", "Je voudrais retourner les chaussures, elles sont trop petites. Comment obtenir l'étiquette ?"),
    ("fr", "Vous avez débité ma carte deux fois pour la commande #48213, merci de rembourser un paiement."),
    ("fr", "Je n'ai toujours pas reçu mon colis"),
]


@pytest.mark.parametrize(("expected", "text"), MESSAGES)
def test_clear_text_is_detected_without_signals(expected, text):
    assert detect_language(text) == expected


@pytest.mark.parametrize(("expected", "text"), MESSAGES)
def test_clear_text_wins_over_signals(expected, text):
    assert detect_language(text, signals=MISLEADING[expected]) == expected


def test_german_customer_of_the_us_store_writing_german_gets_german():
    signals = Signals(customer_language="en", market_languages=("en",), phone="+12125550100")

    assert detect_language("Hallo, ich warte seit zwei Wochen auf mein Paket.", signals=signals) == "de"


def test_traditional_chinese_is_answered_in_simplified_chinese():
    assert detect_language("我的訂單什麼時候會到？已經等了兩個星期。") == "zh-hans"


def test_short_chinese_is_chinese_whatever_the_signals():
    assert detect_language("谢谢", signals=Signals(portal_language="de")) == "zh-hans"


@pytest.mark.parametrize(("text", "signals", "expected"), [
    ("ok thanks", Signals(portal_language="es"), "es"),
    ("danke", Signals(customer_language="de"), "de"),
    ("merci !", Signals(market_languages=("fr", "de")), "fr"),
    ("Gracias!", Signals(phone="+5215512345678"), "es"),
    ("Hallo", Signals(portal_language="de", customer_language="en"), "de"),
    ("ok 👍", Signals(portal_language="zh-hans"), "zh-hans"),
    ("Thanks", None, "en"),
])
def test_short_text_uses_the_signals(text, signals, expected):
    assert detect_language(text, signals=signals) == expected


@pytest.mark.parametrize("text", [
    "", "   \n\t", "👍", "🙏🙏🙏", "😡📦❌", "???", "#48213", "+49 151 1234567", "12.03.2025",
])
def test_text_without_words_uses_the_signals_then_english(text):
    assert detect_language(text, signals=Signals(customer_language="fr")) == "fr"
    assert detect_language(text) == "en"


def test_german_reply_above_quoted_english_history_is_german():
    text = (
        "Hallo, das Paket ist immer noch nicht da. Können Sie bitte nachsehen?\n"
        "\n"
        "On Mon, 3 Mar 2025 at 10:15, Acme Support <support@acme.example> wrote:\n"
        "> Hi Anna,\n"
        "> thank you for your message. Your order #48213 has been shipped and should arrive within 3-5 business\n"
        "> days. You can track it here: https://acme.example/track/48213\n"
        ">\n"
        "> Kind regards,\n"
        "> The Acme team\n"
        ">> Where is my order? I ordered it two weeks ago and have not heard anything since then.\n"
    )

    assert detect_language(text, signals=Signals(portal_language="en")) == "de"


def test_short_reply_above_quoted_history_uses_the_signals():
    text = (
        "Danke!\n"
        "\n"
        "On Mon, 3 Mar 2025, Acme <support@acme.example> wrote:\n"
        "> Your refund of 20.00 EUR has been issued today and should reach your card within a few days.\n"
    )

    assert detect_language(text, signals=Signals(portal_language="de")) == "de"
    assert detect_language(text, signals=Signals(portal_language="fr")) == "fr"


def test_outlook_original_message_below_a_french_reply_is_ignored():
    text = (
        "Merci, c'est bien reçu.\n"
        "\n"
        "-----Original Message-----\n"
        "From: Acme Support <support@acme.example>\n"
        "Sent: Monday, March 3, 2025 10:15 AM\n"
        "Subject: Your refund has been issued\n"
        "We have issued your refund today, it should reach your account within a few business days.\n"
    )

    assert detect_language(text) == "fr"


def test_urls_emails_order_numbers_and_digits_are_not_words():
    text = "#48213 https://acme.example/orders/48213?lang=en anna.mueller@example.com 2025-03-03 danke"

    assert detect_language(text, signals=Signals(portal_language="de")) == "de"
    assert detect_language(text, signals=Signals(portal_language="es")) == "es"


def test_chinese_next_to_a_url_or_email_address_stays_chinese():
    assert detect_language("请看这个链接https://acme.example/t/1谢谢，我的邮箱是anna@example.com吗") == "zh-hans"


@pytest.mark.parametrize("text", [
    "注文した商品がまだ届いていません。確認していただけますか？",  # Japanese
    "주문한 상품이 아직 도착하지 않았어요. 확인해 주세요.",  # Korean
    "Где мой заказ? Прошло уже три недели.",  # Russian
])
def test_unsupported_scripts_use_the_signals(text):
    assert detect_language(text, signals=Signals(market_languages=("de",))) == "de"
    assert detect_language(text) == "en"


@pytest.mark.parametrize(("signals", "expected"), [
    (Signals(portal_language="fr", customer_language="de", market_languages=("es",), phone="+8613812345678"), "fr"),
    (Signals(customer_language="de", market_languages=("es",), phone="+8613812345678"), "de"),
    (Signals(market_languages=("es", "en"), phone="+8613812345678"), "es"),
    (Signals(phone="+8613812345678"), "zh-hans"),
    (Signals(), "en"),
    (Signals(portal_language="it", customer_language="pt-BR", market_languages=("nl", "fr")), "fr"),
    (Signals(portal_language="", customer_language="", market_languages=(), phone=""), "en"),
    (Signals(portal_language="de-AT"), "de"),
    (Signals(portal_language="EN_us"), "en"),
    (Signals(customer_language="zh-Hant"), "zh-hans"),
    (Signals(customer_language="zh_TW"), "zh-hans"),
    (Signals(market_languages=("es-419",)), "es"),
    (Signals(phone="0151 1234567"), "en"),
])
def test_signals_are_used_in_order(signals, expected):
    assert detect_language("ok", signals=signals) == expected


@pytest.mark.parametrize(("phone", "expected"), [
    ("+4915112345678", "de"),
    ("+49 151 1234 5678", "de"),
    ("0049 (151) 1234-5678", "de"),
    ("+436641234567", "de"),
    ("+41791234567", "de"),
    ("+33612345678", "fr"),
    ("+32470123456", "fr"),
    ("+34612345678", "es"),
    ("+5215512345678", "es"),
    ("+5491123456789", "es"),
    ("+573001234567", "es"),
    ("+56912345678", "es"),
    ("+51912345678", "es"),
    ("+8613812345678", "zh-hans"),
    ("+886912345678", "zh-hans"),
    ("+85291234567", "zh-hans"),
    ("+85366123456", "zh-hans"),
    ("+14155550100", "en"),
    ("+447700900123", "en"),
    ("+61412345678", "en"),
    ("+64211234567", "en"),
    ("+353851234567", "en"),
])
def test_language_of_phone(phone, expected):
    assert language_of_phone(phone) == expected


@pytest.mark.parametrize("phone", [
    "", "0151 1234567", "+", "+49", "+5511912345678", "+390612345678", "+81312345678", "call me", "+49 151 abc",
])
def test_language_of_phone_is_none_when_the_number_does_not_tell(phone):
    assert language_of_phone(phone) is None


def test_the_model_is_loaded_once():
    assert language._get_identifier() is language._get_identifier()


LANGUAGE_CODES = st.sampled_from([*SUPPORTED, "it", "pt-BR", "zh-Hant", "EN", "", "x" * 20])


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(max_size=300),
    signals=st.none() | st.builds(
        Signals,
        portal_language=st.none() | LANGUAGE_CODES,
        customer_language=st.none() | LANGUAGE_CODES,
        market_languages=st.lists(LANGUAGE_CODES, max_size=3).map(tuple),
        phone=st.none() | st.text(alphabet="+0123456789 -()", max_size=20),
    ),
)
def test_always_answers_a_supported_language(text, signals):
    assert detect_language(text, signals=signals) in SUPPORTED
