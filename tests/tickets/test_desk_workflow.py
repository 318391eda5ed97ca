"""The desk's workflow on a fixed clock: SLA reply-by times on business hours with holidays, pending periods and
the WhatsApp window; escalation by a state-based scan; round-robin assignment; refunds with a manager's approval
above the limit; the phrase check and stale views on send; merge, snooze, saved views, bulk actions and CSAT."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied

from aftersales.models import Refund
from tests import factories
from tickets import desk_services, selectors
from tickets.models import (
    AgentProfile,
    BusinessCalendar,
    CsatSurvey,
    Holiday,
    Message,
    RefundApproval,
    SlaPolicy,
    Ticket,
)
from tickets.services import Inbound, _inbound, message_send, ticket_transition

pytestmark = pytest.mark.django_db

BERLIN_WEEK = {str(day): [["09:00", "18:00"]] for day in range(5)}


@pytest.fixture
def berlin_sla():
    calendar = BusinessCalendar.objects.create(name="Berlin team", time_zone="Europe/Berlin", hours=BERLIN_WEEK)
    SlaPolicy.objects.create(name="Default", first_response_minutes=120, next_response_minutes=240,
                             calendar=calendar)
    return calendar


def write(contact="anna@example.de", text="Wo ist meine Bestellung?", channel="email", external_id=None, **extra):
    kind = {"email": "email", "whatsapp": "whatsapp", "messenger": "messenger"}[channel]
    return _inbound(Inbound(channel=channel, identity_kind=kind, contact=contact,
                            external_id=external_id or f"{contact}-{datetime.now(UTC).timestamp()}", text=text,
                            subject="Re: Bestellung", **extra))  # a reply: it threads to the live ticket


def at(text):  # Berlin winter time is UTC+1
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# -- SLA ------------------------------------------------------------------------------------------------------

def test_friday_evening_message_is_due_monday_morning_and_a_holiday_moves_it(berlin_sla):
    with time_machine.travel(at("2026-01-16T16:30:00"), tick=False):  # Friday 17:30 in Berlin
        ticket = write().ticket
    assert ticket.reply_by == at("2026-01-19T09:30:00")  # Monday 10:30 Berlin
    Holiday.objects.create(calendar=berlin_sla, day=date(2026, 1, 19), name="Team day")
    desk_services.sla_refresh(ticket, now=at("2026-01-16T16:31:00"))
    assert ticket.reply_by == at("2026-01-20T09:30:00")


def test_pending_stops_the_clock_and_the_customers_reply_restarts_it(berlin_sla, agent_user):
    with time_machine.travel(at("2026-01-13T08:00:00"), tick=False):  # Tuesday 09:00 Berlin
        ticket = write(external_id="m1").ticket
    with time_machine.travel(at("2026-01-13T08:30:00"), tick=False):
        message_send(ticket=ticket, body="Können Sie uns die Adresse bestätigen?", author=agent_user)
        ticket.refresh_from_db()
        ticket_transition(ticket=ticket, to_status="pending", actor=agent_user)
    ticket.refresh_from_db()
    assert ticket.reply_by is None
    with time_machine.travel(at("2026-01-14T10:00:00"), tick=False):  # Wednesday 11:00 Berlin
        write(external_id="m2", text="Ja, die Adresse stimmt.")
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert ticket.reply_by == at("2026-01-14T14:00:00")  # next response: 4 business hours
    assert selectors.first_response_minutes(ticket) == 30


def test_a_whatsapp_window_that_closes_before_the_sla_sets_the_reply_by(berlin_sla):
    with time_machine.travel(at("2026-01-16T16:30:00"), tick=False):  # Friday evening, SLA due Monday
        ticket = write(contact="4915112345678", channel="whatsapp", external_id="wamid.1").ticket
    assert ticket.reply_by == at("2026-01-17T16:30:00")  # the 24-hour window closes first (Saturday)


def test_the_first_response_is_the_first_public_reply_not_the_auto_responder(berlin_sla, agent_user):
    with time_machine.travel(at("2026-01-13T08:00:00"), tick=False):
        ticket = write(external_id="m1").ticket
        message_send(ticket=ticket, body="Auto", automatic=True, client_key="autorespond")
    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    with time_machine.travel(at("2026-01-13T09:15:00"), tick=False):
        message_send(ticket=ticket, body="Hallo Anna", author=agent_user)
    ticket.refresh_from_db()
    assert selectors.first_response_minutes(ticket) == 75


def test_the_escalation_scan_is_state_based_and_escalates_once(berlin_sla):
    with time_machine.travel(at("2026-01-13T08:00:00"), tick=False):
        ticket = write().ticket
    assert desk_services.sla_escalate(now=at("2026-01-13T09:00:00")) == 0
    # the worker was down all afternoon: the next scan still finds it from the database
    assert desk_services.sla_escalate(now=at("2026-01-13T15:00:00")) == 1
    assert desk_services.sla_escalate(now=at("2026-01-13T15:02:00")) == 0
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.breached_at) == ("high", at("2026-01-13T10:00:00"))
    assert ticket.events.filter(note__startswith="Reply-by time passed").count() == 1


# -- assignment -------------------------------------------------------------------------------------------------

def agent(django_user_model, name, languages, capacity=2):
    user = django_user_model.objects.create_user(name, password="pw")
    user.groups.add(Group.objects.get(name="Support agent"))
    AgentProfile.objects.create(user=user, languages=languages, capacity=capacity)
    return user


def test_round_robin_by_language_and_capacity(django_user_model):
    ana, ben, chen = (agent(django_user_model, "ana", ["es", "en"]), agent(django_user_model, "ben", ["de", "en"]),
                      agent(django_user_model, "chen", ["zh-hans", "en"], capacity=1))
    assigned = []
    for n, (text, language) in enumerate([("¿Dónde está mi pedido?", "es"), ("Wo ist mein Paket?", "de"),
                                          ("Where is my parcel, please?", "en"), ("Where is my order now?", "en"),
                                          ("我的订单在哪里？", "zh-hans"), ("我的包裹还没到。", "zh-hans")]):
        ticket = write(contact=f"c{n}@example.com", text=text, external_id=f"rr{n}").ticket
        assert ticket.language == language
        assigned.append(desk_services.ticket_assign_round_robin(ticket=ticket).assignee)
    # es → ana; de → ben; English goes to whoever waited longest (chen never had one, then ana);
    # Chinese finds chen at his capacity of one open ticket: those two wait in "Unassigned"
    assert assigned == [ana, ben, chen, ana, None, None]
    assert Ticket.objects.filter(assignee=chen).count() == 1


# -- refunds and permissions --------------------------------------------------------------------------------------

@pytest.fixture
def paid_ticket():
    order = factories.order(unit_price_minor=30000)
    payment = factories.payment(order)
    ticket = Ticket.objects.create(customer=order.customer, order=order, channel="email", contact="x@example.com")
    return ticket, payment


def test_an_agent_cannot_refund_above_the_limit_a_manager_approves(paid_ticket, agent_user, manager_user, settings):
    settings.DESK_REFUND_LIMIT_MINOR = 10000
    ticket, payment = paid_ticket
    small = desk_services.ticket_refund(ticket=ticket, payment=payment, amount_minor=2500, reason="Late",
                                        actor=agent_user, key="a")
    assert isinstance(small, Refund)
    big = desk_services.ticket_refund(ticket=ticket, payment=payment, amount_minor=20000, reason="Broken",
                                      actor=agent_user, key="b")
    assert isinstance(big, RefundApproval)
    assert Refund.objects.count() == 1
    with pytest.raises(PermissionDenied):
        desk_services.refund_approval_decide(approval=big, approve=True, actor=agent_user)
    decided = desk_services.refund_approval_decide(approval=big, approve=True, actor=manager_user)
    assert decided.status == "approved"
    assert Refund.objects.get(pk=decided.refund_id).amount_minor == 20000
    assert desk_services.refund_approval_decide(approval=big, approve=True, actor=manager_user).refund_id == \
        decided.refund_id  # approving twice pays once
    assert Refund.objects.count() == 2
    direct = desk_services.ticket_refund(ticket=ticket, payment=payment, amount_minor=5000, reason="Goodwill",
                                         actor=manager_user, key="c")
    assert isinstance(direct, Refund)  # a manager is not limited


def test_the_desk_refund_views_enforce_the_same_rules(client, paid_ticket, agent_user, manager_user, settings):
    settings.DESK_REFUND_LIMIT_MINOR = 10000
    ticket, payment = paid_ticket
    client.force_login(agent_user)
    response = client.post(f"/desk/tickets/{ticket.number}/refund/", {"payment": payment.pk, "amount": "200.00",
                                                                      "reason": "Broken", "client_key": "k"},
                           follow=True)
    assert "waits for a manager" in response.content.decode()
    approval = RefundApproval.objects.get()
    assert client.post(f"/desk/tickets/{ticket.number}/approvals/{approval.pk}/",
                       {"decision": "approve"}).status_code == 403
    client.force_login(manager_user)
    client.post(f"/desk/tickets/{ticket.number}/approvals/{approval.pk}/", {"decision": "approve"})
    assert Refund.objects.get().amount_minor == 20000
    too_much = client.post(f"/desk/tickets/{ticket.number}/refund/", {"payment": payment.pk, "amount": "200.00",
                                                                      "reason": "Again", "client_key": "k2"},
                           follow=True)
    assert "More than what is left to refund" in too_much.content.decode()


# -- sending: the phrase check and a stale view ---------------------------------------------------------------------

def test_the_phrase_check_stops_the_send_until_the_agent_gives_a_reason(client, agent_user):
    ticket = write(contact="l@example.es", text="Mi paquete llegó roto.").ticket
    client.force_login(agent_user)
    url = f"/desk/tickets/{ticket.number}/reply/"
    flagged = client.post(url, {"body": "Lo siento, no es culpa nuestra.", "client_key": "a",
                                "version": ticket.version})
    assert flagged.status_code == 409
    page = flagged.content.decode()
    assert 'data-testid="phrase-warning"' in page
    assert "Lo revisamos y te respondemos en menos de 2 horas." in page
    assert Message.objects.filter(direction="outbound").count() == 0
    sent = client.post(url, {"body": "Lo siento, no es culpa nuestra.", "client_key": "a",
                             "version": ticket.version, "override_reason": "Customer asked whose fault it was"})
    assert sent.status_code == 302
    message = Message.objects.get(direction="outbound")
    assert message.override_reason == "Customer asked whose fault it was"
    assert message.flagged_phrases[0]["phrase"].lower() == "no es culpa nuestra"


def test_a_reply_written_on_an_outdated_view_asks_first(client, agent_user):
    ticket = write(contact="o@example.com", text="Hello, where is my order?").ticket
    client.force_login(agent_user)
    seen = ticket.version
    write(contact="o@example.com", text="Actually, I found it!", external_id="second")
    response = client.post(f"/desk/tickets/{ticket.number}/reply/", {"body": "Let me check.", "client_key": "b",
                                                                     "version": seen})
    assert response.status_code == 409
    assert 'data-testid="outdated"' in response.content.decode()
    assert Message.objects.filter(direction="outbound").count() == 0
    again = client.post(f"/desk/tickets/{ticket.number}/reply/", {"body": "Let me check.", "client_key": "b",
                                                                  "version": seen, "confirm_outdated": "1"})
    assert again.status_code == 302
    assert Message.objects.filter(direction="outbound").count() == 1


def test_presence_shows_who_else_is_viewing_and_typing(client, agent_user, manager_user):
    ticket = write(contact="p@example.com", text="Hello there, my order?").ticket
    client.force_login(manager_user)
    client.get(f"/desk/tickets/{ticket.number}/presence/", {"typing": "1"})
    client.force_login(agent_user)
    fragment = client.get(f"/desk/tickets/{ticket.number}/presence/").content.decode()
    assert "is typing" in fragment
    assert manager_user.username in fragment or manager_user.get_full_name() in fragment


# -- merge, snooze, views, bulk, CSAT ---------------------------------------------------------------------------

def test_merge_moves_messages_and_closes_the_other_with_a_pointer(agent_user):
    first = write(contact="m@example.com", text="My order is late", external_id="a1").ticket
    second = _inbound(Inbound(channel="whatsapp", identity_kind="email", contact="m@example.com",
                              external_id="wamid.x", text="Hello?", ticket=None)).ticket
    second.customer = first.customer
    second.save()
    desk_services.tickets_merge(source=second, target=first, actor=agent_user)
    second.refresh_from_db()
    assert (second.status, second.merged_into_id) == ("closed", first.pk)
    assert first.messages.filter(direction="inbound").count() == 2


def test_snooze_hides_until_the_time_or_the_customers_reply(client, agent_user):
    ticket = write(contact="s@example.com", text="Hi, where is my parcel?").ticket
    desk_services.ticket_snooze(ticket=ticket, until=datetime.now(UTC) + timedelta(hours=4), actor=agent_user)
    client.force_login(agent_user)
    assert ticket.number not in client.get("/desk/tickets/").content.decode()
    assert ticket.number in client.get("/desk/tickets/", {"view": "snoozed"}).content.decode()
    write(contact="s@example.com", text="Any news?", external_id="again")
    assert ticket.number in client.get("/desk/tickets/").content.decode()


def test_saved_views_and_bulk_actions(client, agent_user):
    spanish = write(contact="es@example.es", text="¿Dónde está mi pedido? Gracias").ticket
    whatsapp = write(contact="34600111222", channel="whatsapp", text="Hola, mi pedido no llegó", external_id="w").ticket
    complaint = write(contact="c@example.com", text="The item arrived broken and I am upset").ticket
    complaint.complaint_category = "damaged"
    complaint.save()
    client.force_login(agent_user)

    def shown(view):
        page = client.get("/desk/tickets/", {"view": view}).content.decode()
        return {t.number for t in (spanish, whatsapp, complaint) if f'data-ticket="{t.number}"' in page}

    assert shown("spanish") == {spanish.number, whatsapp.number}
    assert shown("whatsapp") == {whatsapp.number}
    assert shown("complaints") == {complaint.number}
    assert shown("unassigned") == {spanish.number, whatsapp.number, complaint.number}
    client.post("/desk/tickets/bulk/", {"tickets": [spanish.number, whatsapp.number], "action": "assign_me"})
    assert shown("mine") == {spanish.number, whatsapp.number}
    client.post("/desk/tickets/bulk/", {"tickets": [spanish.number], "action": "tag", "tag": "VIP"})
    client.post("/desk/tickets/bulk/", {"tickets": [complaint.number], "action": "close"})
    spanish.refresh_from_db()
    complaint.refresh_from_db()
    assert spanish.tags == ["vip"]
    assert complaint.status == "closed"
    assert shown("all") == {spanish.number, whatsapp.number}


def test_csat_is_sent_a_day_after_solving_once_and_answered_once(client, agent_user):
    with time_machine.travel(at("2026-03-02T10:00:00"), tick=False):
        ticket = write(contact="q@example.com", text="Where is my order please?").ticket
        message_send(ticket=ticket, body="Here it is.", author=agent_user)
        ticket.refresh_from_db()
        ticket_transition(ticket=ticket, to_status="solved", actor=agent_user)
    assert desk_services.csat_send_due(now=at("2026-03-02T20:00:00")) == 0
    assert desk_services.csat_send_due(now=at("2026-03-03T11:00:00")) == 1
    assert desk_services.csat_send_due(now=at("2026-03-03T12:00:00")) == 0
    survey = CsatSurvey.objects.get()
    sent = Message.objects.get(outbox_key=f"reply:{ticket.pk}:csat")
    assert f"/en/survey/{survey.token}/" in sent.body
    page = client.get(f"/en/survey/{survey.token}/")
    assert page.status_code == 200
    client.post(f"/en/survey/{survey.token}/", {"score": "5", "comment": "Fast!"})
    client.post(f"/en/survey/{survey.token}/", {"score": "1"})
    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (5, "Fast!")
    assert client.get("/en/survey/not-a-token/").status_code == 404
