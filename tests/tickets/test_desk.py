"""The ticket desk: who may see it, one queue across channels at a constant query cost, the conversation page with
its channel rules said before the agent types, replies and notes, and merging two customers with their tickets."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from aftersales.models import Customer, CustomerIdentity
from tests import factories
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


def new_ticket(channel="email", *, hours_ago=1, messages=1, customer=None, **fields):
    customer = customer or factories.customer()
    contact = {"whatsapp": "4915112345678", "messenger": "PSID"}.get(channel, "a@b.example")
    ticket = Ticket.objects.create(customer=customer, channel=channel, subject=f"Help {channel}", contact=contact,
                                   last_inbound_at=timezone.now() - timedelta(hours=hours_ago),
                                   last_message_at=timezone.now(), **fields)
    for n in range(messages):
        Message.objects.create(ticket=ticket, direction="inbound", channel=channel, body=f"Message {n}",
                               external_id=f"{ticket.number}-{n}")
    return ticket


@pytest.fixture
def agent(client, agent_user):
    client.force_login(agent_user)
    return client


def test_only_desk_staff(client, django_user_model):
    ticket = new_ticket()
    assert client.get("/desk/tickets/").status_code == 302  # to the login page
    outsider = django_user_model.objects.create_user("outsider", password="pw")
    client.force_login(outsider)
    assert client.get("/desk/tickets/").status_code == 403
    assert client.get(f"/desk/tickets/{ticket.number}/").status_code == 403
    assert client.post(f"/desk/tickets/{ticket.number}/reply/", {"body": "hi"}).status_code == 403
    assert Message.objects.filter(direction="outbound").count() == 0


def test_one_queue_across_channels_with_filters(agent):
    for channel in ("email", "whatsapp", "messenger", "webchat"):
        new_ticket(channel)
    new_ticket("email", status="closed")
    page = agent.get("/desk/tickets/").content.decode()
    assert page.count('data-ticket="') == 4
    whatsapp = agent.get("/desk/tickets/", {"channel": "whatsapp"}).content.decode()
    assert whatsapp.count('data-ticket="') == 1
    assert agent.get("/desk/tickets/", {"status": ""}).content.decode().count('data-ticket="') == 5


def queries_of(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_queue_query_count_does_not_grow_with_rows(agent):
    for _ in range(3):
        new_ticket(order=factories.order())
    few = queries_of(agent, "/desk/tickets/")
    for _ in range(30):
        new_ticket(order=factories.order())
    assert queries_of(agent, "/desk/tickets/") == few
    assert few <= 10


def test_ticket_page_query_count_does_not_grow_with_messages(agent):
    order = factories.order()
    ticket = new_ticket(messages=2, customer=order.customer, order=order)
    few = queries_of(agent, f"/desk/tickets/{ticket.number}/")
    for n in range(40):
        Message.objects.create(ticket=ticket, direction="outbound" if n % 2 else "inbound", channel="email",
                               body=f"More {n}", external_id=f"more-{n}")
    assert queries_of(agent, f"/desk/tickets/{ticket.number}/") == few
    assert few <= 30


def test_the_whatsapp_window_is_said_before_the_agent_types(agent):
    fresh, old = new_ticket("whatsapp", hours_ago=2), new_ticket("whatsapp", hours_ago=30)
    assert 'data-testid="window-notice"' not in agent.get(f"/desk/tickets/{fresh.number}/").content.decode()
    page = agent.get(f"/desk/tickets/{old.number}/").content.decode()
    assert "WhatsApp only allows an approved template now" in page
    assert 'name="template"' in page
    response = agent.post(f"/desk/tickets/{old.number}/reply/", {"body": "Hola", "client_key": "k"}, follow=True)
    assert "approved template" in response.content.decode()
    assert Message.objects.filter(direction="outbound").count() == 0


def test_reply_and_note(agent, django_capture_on_commit_callbacks):
    ticket = new_ticket("webchat")
    with django_capture_on_commit_callbacks(execute=False):
        response = agent.post(f"/desk/tickets/{ticket.number}/reply/", {"body": "We are on it.", "client_key": "k1"},
                              follow=True)
        agent.post(f"/desk/tickets/{ticket.number}/reply/", {"body": "We are on it.", "client_key": "k1"})
    assert "Reply queued" in response.content.decode()
    agent.post(f"/desk/tickets/{ticket.number}/note/", {"body": "Customer called too."})
    assert list(ticket.messages.exclude(direction="inbound").values_list("direction", "body")) == [
        ("outbound", "We are on it."), ("note", "Customer called too.")]
    ticket.refresh_from_db()
    assert ticket.status == "open"
    agent.post(f"/desk/tickets/{ticket.number}/status/", {"status": "solved"})
    ticket.refresh_from_db()
    assert ticket.status == "solved"
    assert list(ticket.events.values_list("from_status", "to_status")) == [("new", "open"), ("open", "solved")]


def test_an_invalid_status_move_is_refused_with_the_reason(agent):
    ticket = new_ticket(status="closed")
    response = agent.post(f"/desk/tickets/{ticket.number}/status/", {"status": "open"}, follow=True)
    assert "A ticket cannot go from “Closed” to “Open”." in response.content.decode()


def test_merging_two_customers_brings_their_tickets_together(agent):
    email_side = new_ticket("email", customer=factories.customer(email="lu@example.com", name="Lu"))
    phone_customer = Customer.objects.create(name="Lu WhatsApp", phone="+8613800000000")
    CustomerIdentity.objects.create(customer=phone_customer, kind="whatsapp", value="+8613800000000")
    whatsapp_side = new_ticket("whatsapp", customer=phone_customer)
    page = agent.get(f"/desk/tickets/{email_side.number}/", {"q": "+8613800000000"}).content.decode()
    assert "Lu WhatsApp" in page
    response = agent.post(f"/desk/tickets/{email_side.number}/merge-customer/", {"customer": phone_customer.pk},
                          follow=True)
    assert "are now one" in response.content.decode()
    whatsapp_side.refresh_from_db()
    phone_customer.refresh_from_db()
    assert whatsapp_side.customer_id == email_side.customer_id
    assert phone_customer.merged_into_id == email_side.customer_id
    assert CustomerIdentity.objects.get(kind="whatsapp").customer_id == email_side.customer_id
    page = agent.get(f"/desk/tickets/{email_side.number}/").content.decode()
    assert whatsapp_side.number in page


def test_the_queue_pages_without_counting(agent):
    for _ in range(53):
        new_ticket()
    first = agent.get("/desk/tickets/").content.decode()
    assert first.count('data-ticket="') == 50
    assert "more than 50 tickets" in first
    second = agent.get("/desk/tickets/", {"page": "2"}).content.decode()
    assert second.count('data-ticket="') == 3
    assert "53 tickets" in second
    assert agent.get("/desk/tickets/", {"page": "x"}).status_code == 200


@pytest.mark.parametrize("view", ["all", "mine", "unassigned", "breaching", "whatsapp", "spanish", "complaints"])
def test_every_saved_view_reads_a_live_index_in_queue_order_without_sorting(require_postgres, agent, view):
    """A page stops after 51 index entries only when an index gives the rows in the queue's whole order; a Sort node
    would read every live ticket of the view first (tests/perf/test_bench_tickets.py, 1,000,000 tickets). ("Snoozed"
    is left to the planner: snoozed tickets are few, and sorting few rows is the cheaper plan.)"""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    customer, now = factories.customer(), timezone.now()
    statuses = ["closed"] * 6 + ["solved", "new", "open", "pending"]  # enough live rows that sorting them costs more
    Ticket.objects.bulk_create(
        Ticket(number=f"P-{n}", customer=customer, channel=("email", "whatsapp")[n % 2],
               language=("en", "es")[n % 3 % 2], status=statuses[n % 10], contact="a@b.example",
               complaint_category="damaged" if n % 7 == 0 else "", last_message_at=now - timedelta(minutes=n),
               reply_by=now + timedelta(minutes=n % 90) if n % 10 > 6 else None)
        for n in range(5000))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket")
    with CaptureQueriesContext(connection) as captured:
        assert agent.get(f"/desk/tickets/?view={view}").status_code == 200
    [sql] = [q["sql"] for q in captured.captured_queries
             if q["sql"].startswith('SELECT "tickets_ticket"."id"') and "LIMIT 51" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny test table would rightly be read sequentially
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Sort" not in plan, plan
    index = r"Index Scan using ticket_live_(queue|assignee_q|channel_q|language_q) on tickets_ticket"
    assert re.search(index, plan), plan


def reply(ticket, delivery, *, minutes_ago=30, key=None):
    return Message.objects.create(ticket=ticket, direction="outbound", channel=ticket.channel, body="On its way.",
                                  delivery=delivery, outbox_key=key or f"{ticket.number}-{delivery}-{minutes_ago}",
                                  sending_at=timezone.now() - timedelta(minutes=minutes_ago))


def test_a_reply_not_confirmed_is_shown_with_the_agent_s_two_choices(agent):
    ticket = new_ticket("email")
    stuck = reply(ticket, "sending")
    page = agent.get(f"/desk/tickets/{ticket.number}/").content.decode()
    assert 'data-delivery="unconfirmed"' in page
    assert "The provider never confirmed this reply" in page
    assert f'action="/desk/tickets/{ticket.number}/messages/{stuck.pk}/send-again/"' in page
    assert f'action="/desk/tickets/{ticket.number}/messages/{stuck.pk}/mark-sent/"' in page
    response = agent.post(f"/desk/tickets/{ticket.number}/messages/{stuck.pk}/mark-sent/", follow=True)
    assert "The reply is marked sent." in response.content.decode()
    stuck.refresh_from_db()
    assert stuck.delivery == "sent"
    page = agent.get(f"/desk/tickets/{ticket.number}/").content.decode()
    assert 'data-testid="undelivered"' not in page
    assert "was marked sent: it reached the customer" in page  # on the timeline, with who did it
    again = agent.post(f"/desk/tickets/{ticket.number}/messages/{stuck.pk}/send-again/", follow=True)
    assert "not waiting for a decision" in again.content.decode()  # said, not an error page


def test_send_again_answers_in_the_agent_s_language_and_refuses_what_is_not_the_ticket_s(agent):
    ticket, other = new_ticket("email"), new_ticket("email")
    failed = reply(ticket, "failed")
    assert agent.post(f"/desk/tickets/{other.number}/messages/{failed.pk}/send-again/").status_code == 404
    assert agent.get(f"/desk/tickets/{ticket.number}/messages/{failed.pk}/send-again/").status_code == 405
    inbound = ticket.messages.filter(direction="inbound").first()
    assert agent.post(f"/desk/tickets/{ticket.number}/messages/{inbound.pk}/send-again/").status_code == 404
    refused = agent.post(f"/desk/tickets/{ticket.number}/messages/{failed.pk}/mark-sent/", follow=True,
                         HTTP_ACCEPT_LANGUAGE="de")
    assert "Der Anbieter hat diese Antwort abgelehnt" in refused.content.decode()
    failed.refresh_from_db()
    assert failed.delivery == "failed"


def test_the_queue_lists_tickets_whose_latest_reply_did_not_get_through(agent):
    failed, unconfirmed, in_flight, fixed, fine = (new_ticket("email") for _ in range(5))  # fixed: by a later reply
    reply(failed, "failed")
    reply(unconfirmed, "sending", minutes_ago=11)
    reply(in_flight, "sending", minutes_ago=2)
    reply(fixed, "failed", minutes_ago=60)
    later = reply(fixed, "sent", minutes_ago=5)
    Message.objects.filter(pk=later.pk).update(created_at=timezone.now() + timedelta(seconds=1))
    reply(fine, "sent")
    acknowledged = new_ticket("email")
    reply(acknowledged, "failed", minutes_ago=60)
    automatic = reply(acknowledged, "sent", minutes_ago=5, key="ack")
    Message.objects.filter(pk=automatic.pk).update(payload="automatic",
                                                   created_at=timezone.now() + timedelta(seconds=1))
    page = agent.get("/desk/tickets/?view=undelivered").content.decode()
    shown = set(re.findall(r'data-ticket="([^"]+)"', page))
    assert shown == {failed.number, unconfirmed.number, acknowledged.number}  # an acknowledgement is not a reply
    assert 'data-testid="undelivered-count">3<' in agent.get("/desk/tickets/").content.decode()  # on every view
    Ticket.objects.filter(pk=failed.pk).update(status="closed")
    assert 'data-testid="undelivered-count">2<' in agent.get("/desk/tickets/").content.decode()  # live tickets only
    assert "Replies not delivered" in page


def test_the_undelivered_badge_reads_the_few_undelivered_replies_not_every_live_ticket(require_postgres):
    """The badge is counted on every queue page: it starts from the partial index of failed and sending replies."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tickets.selectors import undelivered_count

    customer, now = factories.customer(), timezone.now()
    tickets = Ticket.objects.bulk_create(
        Ticket(number=f"U-{n}", customer=customer, channel="email", contact="a@b.example", status="open",
               last_message_at=now) for n in range(3000))
    Message.objects.bulk_create(
        Message(ticket=ticket, direction="outbound", channel="email", body="Hi", outbox_key=f"u-{n}",
                delivery="failed" if n % 1000 == 0 else "sent") for n, ticket in enumerate(tickets))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket")
        cursor.execute("ANALYZE tickets_message")
    with CaptureQueriesContext(connection) as captured:
        assert undelivered_count(now=now) == 3
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + captured.captured_queries[0]["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "message_undelivered" in plan, plan


def test_queue_rows_name_the_assignee_and_show_the_tags_legibly(agent, agent_user):
    new_ticket("email", assignee=agent_user, tags=["vip", "demo"])
    page = agent.get("/desk/tickets/").content.decode()
    row = page[page.index('data-ticket="'):]
    assert '<td class="text-nowrap">Alex</td>' in row  # the agent's name, as the header shows it, not the login
    tags = re.findall(r'<span class="([^"]+)" data-testid="tag">([^<]+)</span>', row)
    assert [text for _, text in tags] == ["vip", "demo"]
    assert all("text-info-emphasis" in classes for classes, _ in tags)  # dark text on a light pill, not white on white


def test_the_status_select_says_what_the_list_shows(agent):
    """Unasked, the queue lists the tickets that are not closed, and its status select says so."""
    live, closed = new_ticket("email"), new_ticket("email", status="closed")
    for url in ("/desk/tickets/", "/desk/tickets/?view=mine", "/desk/tickets/?channel=email"):
        response = agent.get(url)
        assert response.context["form"]["status"].value() == "live", url
        assert re.search(r'<option value="live" selected>', response.content.decode()), url
    page = agent.get("/desk/tickets/?channel=email").content.decode()
    assert live.number in page
    assert closed.number not in page
    everything = agent.get("/desk/tickets/?status=").content.decode()
    assert closed.number in everything
