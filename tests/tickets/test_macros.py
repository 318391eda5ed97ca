"""Macros in the ticket's language with their variables filled (and a macro's text never evaluated as code), the
seeded macros, and the auto-responder: once per new conversation, in the customer's language, with the portal
link and the most related FAQ entries; silent for auto-replies, storms, web chat and closed WhatsApp windows."""

import importlib
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.utils import timezone

from policies.models import FaqEntry
from tests import factories
from tickets.autorespond import relevant_faq, ticket_auto_respond
from tickets.macros import VARIABLES, fill, macro_context, macros_for, render_macro
from tickets.models import Macro, Message, Ticket

pytestmark = pytest.mark.django_db

BASE = "https://help.example.com"
LANGUAGES = ("en", "zh-hans", "es", "de", "fr")
ALL_VARIABLES = " | ".join("{" + name + "}" for name in VARIABLES)
seed_migration = importlib.import_module("tickets.migrations.0004_default_macros")


def spanish_order(**fields):
    buyer = factories.customer(name="María López", email="maria@example.com", language="es", country="ES")
    order = factories.order(market_code="ES", customer_obj=buyer, **fields)
    factories.shipment(order, tracking_url="https://track.example/YT1")
    return order


def new_ticket(*, channel="email", language="es", order=None, customer=None, contact="maria@example.com",
               kind="message", subject="Devolución", body="Quiero hacer una devolución.", hours_ago=0):
    customer = customer or order.customer
    ticket = Ticket.objects.create(customer=customer, order=order, channel=channel, language=language,
                                   contact=contact, subject=subject,
                                   last_inbound_at=timezone.now() - timedelta(hours=hours_ago))
    Message.objects.create(ticket=ticket, direction="inbound", channel=channel, kind=kind, sender=contact,
                           subject=subject, body=body, full_text=body, language=language)
    return ticket


# -- rendering ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_a_macro_renders_in_the_ticket_language_with_every_variable(language):
    order = spanish_order()
    suffix = language.replace("-", "_")
    macro = Macro.objects.create(title="Everything", body="[en] " + ALL_VARIABLES,
                                 **{f"body_{code.replace('-', '_')}": f"[{code}] " + ALL_VARIABLES
                                    for code in LANGUAGES})
    ticket = new_ticket(order=order, language=language)

    text = render_macro(macro, ticket, base_url=BASE + "/")

    assert getattr(macro, f"body_{suffix}").startswith(f"[{language}]")
    assert text == (f"[{language}] María López | {order.number} | https://track.example/YT1 | "
                    f"{BASE}/{language}/policies/es/returns/ | {BASE}/{language}/portal/")


def test_without_a_translation_the_english_text_is_used_and_unknown_names_stay():
    order = spanish_order()
    macro = Macro.objects.create(title="Only English", body="Hi {customer_name}, {first_name} {0} {} {{braces}}")
    text = render_macro(macro, new_ticket(order=order, language="de"), base_url=BASE)
    assert text == "Hi María López, {first_name} {0} {} {braces}"


def test_a_macro_text_is_never_evaluated():
    order = spanish_order()
    hostile = ("{customer_name.__class__} {customer_name.__class__.__mro__[1].__subclasses__} "
               "{order_number[0]} {customer_name!r} {customer_name:>999999999} {portal_link:{order_number}}")
    macro = Macro.objects.create(title="Hostile", body=hostile)
    ticket = new_ticket(order=order, language="en")
    assert render_macro(macro, ticket, base_url=BASE) == hostile
    # Malformed braces do not raise either: the clear variables are filled, the rest is kept.
    assert fill("Order {order_number} costs {", {"order_number": "#1"}) == "Order #1 costs {"
    assert fill("}{customer_name}{", {"customer_name": "Ann"}) == "}Ann{"


def test_the_context_falls_back_to_the_latest_order_and_a_polite_word():
    buyer = factories.customer(name="", language="en")
    factories.order(market_code="US", customer_obj=buyer, placed_at=timezone.now() - timedelta(days=40))
    latest = factories.order(market_code="DE", customer_obj=buyer)
    ticket = new_ticket(customer=buyer, language="en", contact=buyer.email)

    assert macro_context(ticket, base_url=BASE) == {
        "customer_name": "customer", "order_number": latest.number, "tracking_link": "",
        "policy_link": f"{BASE}/en/policies/de/returns/", "portal_link": f"{BASE}/en/portal/"}

    nobody = factories.customer(name="")
    assert macro_context(new_ticket(customer=nobody, language="fr", contact=nobody.email), base_url=BASE) == {
        "customer_name": "Madame, Monsieur", "order_number": "", "tracking_link": "", "policy_link": "",
        "portal_link": f"{BASE}/fr/portal/"}  # the polite word, in the ticket's language


def test_macros_for_lists_active_macros_with_titles_in_the_ticket_language():
    Macro.objects.all().delete()
    titles = {"en": "Where is my order", "zh_hans": "我的订单在哪里", "es": "Dónde está mi pedido",
              "de": "Wo ist meine Bestellung", "fr": "Où est ma commande"}
    second = Macro.objects.create(position=2, title="Refund", body="…", title_en="Refund", title_de="Erstattung")
    first = Macro.objects.create(position=1, body="…", **{"title": titles["en"]},
                                 **{f"title_{code}": title for code, title in titles.items() if code != "en"})
    Macro.objects.create(position=0, title="Old", body="…", active=False)
    buyer = factories.customer()
    for language in LANGUAGES:
        ticket = new_ticket(customer=buyer, language=language, contact=buyer.email)
        expected_second = "Erstattung" if language == "de" else "Refund"
        assert macros_for(ticket) == [(first, titles[language.replace("-", "_")]), (second, expected_second)]


# -- the seeded macros ----------------------------------------------------------------------------------------

def test_the_seeded_macros_exist_in_every_language_with_known_variables_only():
    seeded = Macro.objects.filter(title_en__in=[m["title"]["en"] for m in seed_migration.MACROS])
    assert seeded.count() == len(seed_migration.MACROS) >= 6
    order = spanish_order()
    for macro in seeded:
        names = None
        for language in LANGUAGES:
            suffix = language.replace("-", "_")
            body, title = getattr(macro, f"body_{suffix}"), getattr(macro, f"title_{suffix}")
            assert body
            assert title
            used = set(re.findall(r"\{(\w+)\}", body))
            assert used <= set(VARIABLES)
            assert "customer_name" in used
            assert names is None or used == names, (macro.title_en, language)
            names = used
            text = render_macro(macro, new_ticket(order=order, language=language), base_url=BASE)
            assert "{" not in text
            assert "María López" in text
    links = {m.title_en: m.body_en for m in seeded}
    assert "{tracking_link}" in links["Order status and tracking"]
    assert "{portal_link}" in links["How to return an item"]
    assert "{policy_link}" in links["Returns policy in short"]


def test_the_seed_reverses_to_exactly_the_seeded_rows():
    Macro.objects.all().delete()
    own = Macro.objects.create(title="Our own", body="Kept.")
    seed_migration.seed(apps, None)
    assert Macro.objects.count() == 1 + len(seed_migration.MACROS)
    edited = Macro.objects.get(title_en="Returns policy in short")
    edited.body_en = "Edited by a manager."
    edited.save()
    seed_migration.unseed(apps, None)
    assert set(Macro.objects.values_list("pk", flat=True)) == {own.pk, edited.pk}


# -- the auto-responder ---------------------------------------------------------------------------------------

@pytest.fixture
def faq():
    market = factories.market("ES")
    rows = [("shipping", "How long does shipping take?", "¿Cuánto tarda el envío?"),
            ("customs", "Do I pay customs duties?", "¿Pago aranceles de aduana?"),
            ("tracking", "How can I track my parcel?", "¿Cómo sigo mi paquete?"),
            ("returns", "How do I make a return?", "¿Cómo hago una devolución?"),
            ("refunds", "When do I get my refund?", "¿Cuándo recibo mi reembolso?")]
    return [FaqEntry.objects.create(market=market, topic=topic, question=en, question_es=es, answer="…",
                                    position=n) for n, (topic, en, es) in enumerate(rows)]


def auto_respond(django_capture_on_commit_callbacks, ticket):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = ticket_auto_respond(ticket_pk=ticket.pk, base_url=BASE)
    return message, callbacks


def test_a_new_email_ticket_is_acknowledged_once_in_the_customer_language(faq, django_capture_on_commit_callbacks):
    ticket = new_ticket(order=spanish_order(), body="Hola, quiero devolver la chaqueta y saber del reembolso.")

    message, callbacks = auto_respond(django_capture_on_commit_callbacks, ticket)

    assert (message.direction, message.channel, message.delivery, message.language, message.payload,
            message.outbox_key) == ("outbound", "email", "queued", "es", "automatic", f"reply:{ticket.pk}:autorespond")
    assert len(callbacks) == 1  # the delivery task, not run here
    assert f"{BASE}/es/portal/" in message.body
    policy = f"{BASE}/es/policies/es/returns/"
    faq_lines = [line for line in message.body.splitlines() if line.startswith("- ")]
    assert faq_lines == [f"- ¿Cómo hago una devolución? — {policy}", f"- ¿Cuándo recibo mi reembolso? — {policy}",
                         f"- ¿Cuánto tarda el envío? — {policy}"]
    ticket.refresh_from_db()
    assert ticket.auto_replied_at is not None
    assert ticket.status == "new"  # an automatic answer leaves the ticket to the agents

    again, callbacks = auto_respond(django_capture_on_commit_callbacks, ticket)
    assert (again, callbacks) == (None, [])
    assert list(ticket.messages.filter(direction="outbound")) == [message]


def test_without_an_order_on_the_ticket_the_customers_latest_order_gives_the_market(
        faq, django_capture_on_commit_callbacks):
    order = spanish_order()
    ticket = new_ticket(customer=order.customer, body="¿Dónde está mi paquete?")
    message, _callbacks = auto_respond(django_capture_on_commit_callbacks, ticket)
    assert f"- ¿Cómo sigo mi paquete? — {BASE}/es/policies/es/returns/" in message.body.splitlines()


def test_the_ticket_language_wins_over_the_market(faq, django_capture_on_commit_callbacks):
    ticket = new_ticket(order=spanish_order(), language="en", body="How long does shipping take to Spain?")
    message, _callbacks = auto_respond(django_capture_on_commit_callbacks, ticket)
    assert f"{BASE}/en/portal/" in message.body
    assert message.body.splitlines()[-3] == f"- How long does shipping take? — {BASE}/en/policies/es/returns/"


@pytest.mark.parametrize("kind", ["auto_reply", "bounce", "read_receipt"])
def test_no_answer_to_an_automatic_first_message(faq, django_capture_on_commit_callbacks, kind):
    ticket = new_ticket(order=spanish_order(), kind=kind, body="I am out of the office.")
    assert auto_respond(django_capture_on_commit_callbacks, ticket) == (None, [])
    ticket.refresh_from_db()
    assert ticket.auto_replied_at is None
    assert not ticket.messages.filter(direction="outbound").exists()


def test_no_answer_to_a_sender_writing_in_a_storm(faq, django_capture_on_commit_callbacks):
    order = spanish_order()
    ticket = new_ticket(order=order)
    other = Ticket.objects.create(customer=order.customer, channel="email", contact="maria@example.com")
    Message.objects.bulk_create([Message(ticket=other, direction="inbound", channel="email", sender="maria@example.com",
                                         body=f"ping {n}") for n in range(21)])
    assert auto_respond(django_capture_on_commit_callbacks, ticket) == (None, [])
    assert not Message.objects.filter(direction="outbound").exists()


def test_no_answer_on_web_chat(faq, django_capture_on_commit_callbacks):
    ticket = new_ticket(order=spanish_order(), channel="webchat")
    assert auto_respond(django_capture_on_commit_callbacks, ticket) == (None, [])
    assert not Message.objects.filter(direction="outbound").exists()


def test_whatsapp_only_inside_the_24_hour_window(faq, django_capture_on_commit_callbacks):
    order = spanish_order()
    late = new_ticket(order=order, channel="whatsapp", contact="34600111222", hours_ago=30)
    assert auto_respond(django_capture_on_commit_callbacks, late) == (None, [])
    assert Ticket.objects.get(pk=late.pk).auto_replied_at is None

    fresh = new_ticket(order=order, channel="whatsapp", contact="34600111333", hours_ago=1)
    message, _callbacks = auto_respond(django_capture_on_commit_callbacks, fresh)
    assert (message.channel, message.delivery, message.template) == ("whatsapp", "queued", "")


def test_no_answer_once_an_agent_has_replied(faq, django_capture_on_commit_callbacks, agent_user):
    from tickets.services import message_send

    ticket = new_ticket(order=spanish_order())
    with django_capture_on_commit_callbacks(execute=False):
        message_send(ticket=ticket, body="Hola María, ya lo miramos.", author=agent_user)
    ticket.refresh_from_db()
    assert auto_respond(django_capture_on_commit_callbacks, ticket) == (None, [])


def test_relevance_prefers_shared_words_then_the_first_entries():
    entries = [SimpleNamespace(topic=t, question=q) for t, q in [
        ("shipping", "How long does delivery take?"), ("returns", "How do I return an item?"),
        ("refunds", "When is my refund paid?"), ("tracking", "Where can I track my parcel?"),
        ("customs", "物流清关需要多久？")]]
    assert relevant_faq(entries, "I returned it, where is my refund?") == [entries[1], entries[2], entries[0]]
    assert relevant_faq(entries, "清关要多久") == [entries[4], entries[0], entries[1]]
    assert relevant_faq(entries, "Hello there") == entries[:3]
    assert relevant_faq([], "anything") == []
