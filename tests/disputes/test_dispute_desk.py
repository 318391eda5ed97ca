"""The dispute desk: only desk staff; open disputes sorted by internal deadline with countdowns (red within a day);
one query for the list whatever its length; the dispute page with its timeline; the ticket sidebar links to it."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from disputes import evidence
from disputes.models import Dispute, DisputeDocument
from tests import factories
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def dispute(order=None, *, hours_left=100, status="needs_response", n=[0]):  # noqa: B006 (a counter)
    n[0] += 1
    now = timezone.now()
    return Dispute.objects.create(
        provider="stripe", provider_id=f"dp_{n[0]}", order=order, reason="product_not_received", stage="chargeback",
        status=status, amount_minor=4990, currency="EUR", opened_at=now - timedelta(days=2),
        respond_by=now + timedelta(hours=hours_left + 48), internal_deadline=now + timedelta(hours=hours_left))


@pytest.fixture
def agent(client, agent_user):
    client.force_login(agent_user)
    return client


def test_only_desk_staff(client, django_user_model):
    item = dispute()
    assert client.get("/desk/disputes/").status_code == 302
    client.force_login(django_user_model.objects.create_user("outsider", password="pw"))
    assert client.get("/desk/disputes/").status_code == 403
    assert client.get(f"/desk/disputes/{item.pk}/").status_code == 403


def test_open_disputes_most_urgent_first_with_red_countdowns(agent):
    later, urgent, closed = dispute(hours_left=90), dispute(hours_left=10), dispute(hours_left=5, status="won")
    page = agent.get("/desk/disputes/").content.decode()
    assert page.index(f'data-dispute="{urgent.pk}"') < page.index(f'data-dispute="{later.pk}"')
    assert f'data-dispute="{closed.pk}"' not in page
    assert 'text-danger fw-semibold text-nowrap" data-testid="countdown"' in page
    assert f'data-dispute="{closed.pk}"' in agent.get("/desk/disputes/", {"show": "all"}).content.decode()


def test_the_list_costs_the_same_for_3_or_30_disputes(agent):
    for _ in range(3):
        dispute(factories.order())

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert agent.get("/desk/disputes/").status_code == 200
        return len(captured)

    few = queries()
    for _ in range(27):
        dispute(factories.order())
    assert queries() == few


def test_the_dispute_page_and_the_ticket_sidebar_link(agent):
    order = factories.order(market_code="DE")
    item = dispute(order)
    page = agent.get(f"/desk/disputes/{item.pk}/").content.decode()
    assert "dp_" in page
    assert 'data-testid="timeline"' in page
    assert agent.get("/desk/disputes/999999/").status_code == 404
    ticket = Ticket.objects.create(customer=order.customer, order=order, channel="email", contact="x@example.com")
    sidebar = agent.get(f"/desk/tickets/{ticket.number}/").content.decode()
    assert f'href="/desk/disputes/{item.pk}/" data-testid="open-dispute"' in sidebar


def test_the_timeline_says_what_happened_in_the_readers_language(agent):
    from disputes.models import DisputeEvent

    item = dispute(status="under_review")
    now = timezone.now()
    for type_, before, after in [("charge.dispute.created", "", "needs_response"),
                                 ("response.submitted", "needs_response", "under_review"),
                                 ("charge.dispute.something_new", "under_review", "under_review")]:
        DisputeEvent.objects.create(dispute=item, type=type_, occurred_at=now, from_status=before, to_status=after)
    page = agent.get(f"/desk/disputes/{item.pk}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    labels = [line.split('data-testid="event-label">')[1].split("<")[0]
              for line in page.split("<li") if 'data-testid="event-label"' in line]
    assert labels == ["Bei Stripe eröffnet", "Antwort eingereicht", "charge.dispute.something_new"]
    assert page.count('data-testid="event-status"') == 1  # only the row that moved the dispute
    assert 'data-testid="event-status">Antwort erforderlich → In Prüfung</span>' in page
    assert 'title="charge.dispute.created"' in page  # the provider's own name stays at hand


def test_every_timeline_row_this_app_writes_has_a_name():
    import ast
    from pathlib import Path

    from disputes.choices import EVENT_LABELS
    from disputes.integrations import PAYPAL_DISPUTE_EVENTS, STRIPE_DISPUTE_EVENTS
    from disputes.sync import SYNC_EVENT_TYPE

    written = {*STRIPE_DISPUTE_EVENTS, *PAYPAL_DISPUTE_EVENTS, SYNC_EVENT_TYPE}
    for path in Path("disputes").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            if getattr(node.func, "id", None) == "_record" and isinstance(node.args[1], ast.Constant):
                written.add(node.args[1].value)
            written.update(k.value.value for k in node.keywords
                           if k.arg == "type" and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str))
    assert len(written) >= 17
    assert written - set(EVENT_LABELS) == set()


# -- the packet review page ----------------------------------------------------------------------------------------

def review_urls(item, document_pk=0):
    return [("get", f"/desk/disputes/{item.pk}/"), ("get", f"/desk/disputes/{item.pk}/packet.pdf"),
            ("get", f"/desk/disputes/{item.pk}/documents/{document_pk}/"),
            ("post", f"/desk/disputes/{item.pk}/evidence/"), ("post", f"/desk/disputes/{item.pk}/documents/"),
            ("post", f"/desk/disputes/{item.pk}/actions/submit/")]


def test_only_desk_staff_reach_the_review_page_its_files_and_its_actions(client, django_user_model, manager_user):
    from tests.disputes.test_evidence import scenario

    item = scenario()
    packet = evidence.packet_build(dispute_id=item.pk)
    document = packet.documents[0]
    for method, url in review_urls(item, document.pk):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/")
    client.force_login(django_user_model.objects.create_user("outsider2", password="pw"))
    for method, url in review_urls(item, document.pk):
        assert getattr(client, method)(url).status_code == 403, url
    client.force_login(manager_user)
    assert client.get(f"/desk/disputes/{item.pk}/").status_code == 200
    assert client.get(f"/desk/disputes/{item.pk}/documents/{document.pk}/").status_code == 200
    response = client.post(f"/desk/disputes/{item.pk}/evidence/", {"shipping_carrier": "DHL Express"})
    assert (response.status_code, response["Location"]) == (302, f"/desk/disputes/{item.pk}/")
    item.refresh_from_db()
    assert item.evidence == {"shipping_carrier": "DHL Express"}


def test_the_review_page_shows_score_missing_documents_text_and_related_links(agent):
    from returns.models import ReturnCase
    from tests.disputes.test_evidence import scenario

    item = scenario(pod=False)
    ticket = Ticket.objects.get(order=item.order)
    case = ReturnCase.objects.create(order=item.order, customer=item.order.customer, currency="EUR")
    page = agent.get(f"/desk/disputes/{item.pk}/").content.decode()
    assert '<span class="fs-4 fw-semibold" data-testid="completeness-score">80</span>' in page
    assert 'data-requirement="proof_of_delivery" data-present="no"' in page
    assert 'data-testid="missing-proof_of_delivery">Ask the carrier for the proof of delivery' in page
    assert page.count('<iframe data-src="/desk/disputes/') == 4  # PDF previews load when opened
    assert page.count('<span class="badge text-bg-success">sent</span>') == 4
    assert f'href="/desk/tickets/{ticket.number}/" data-testid="related-ticket"' in page
    assert 'value="DHL"' in page  # the text evidence form shows what will be sent
    assert f'href="/desk/returns/{case.pk}/" data-testid="related-return">{case.rma}</a>' in page
    french = agent.get(f"/desk/disputes/{item.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert french.count('rel="noopener">Ouvrir</a>') == 4  # open the document: the verb, not "Ouverte"


def test_the_review_page_costs_the_same_for_a_short_or_a_long_packet(agent, agent_user):
    from tests.disputes.test_evidence import photo, scenario

    def queries(item):
        assert agent.get(f"/desk/disputes/{item.pk}/").status_code == 200  # builds the documents once
        with CaptureQueriesContext(connection) as captured:
            assert agent.get(f"/desk/disputes/{item.pk}/").status_code == 200
        return len(captured)

    short = scenario()
    long = scenario()
    thread = Ticket.objects.get(order=long.order)
    for i in range(12):
        thread.messages.create(direction="inbound", channel="email", body=f"Message {i}")
    for i in range(3):
        evidence.document_add(dispute_id=long.pk, kind="shipping_documentation", upload=photo(color=(i * 60, 9, 9)),
                              user=agent_user)
    assert queries(short) == queries(long)


def test_the_packet_downloads_as_one_pdf_attachment(agent):
    from tests.disputes.test_evidence import scenario

    item = scenario()
    response = agent.get(f"/desk/disputes/{item.pk}/packet.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="dispute-{item.provider_id}-evidence.pdf"'
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_a_document_is_served_only_with_its_own_dispute(agent):
    from tests.disputes.test_evidence import scenario

    first, second = scenario(), scenario()
    document = evidence.packet_build(dispute_id=first.pk).documents[0]
    response = agent.get(f"/desk/disputes/{first.pk}/documents/{document.pk}/")
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert agent.get(f"/desk/disputes/{second.pk}/documents/{document.pk}/").status_code == 404


def test_saving_text_and_uploading_show_the_result_or_the_refusal(agent):
    from tests.disputes.test_evidence import photo, scenario

    item = scenario(pod=False)
    response = agent.post(f"/desk/disputes/{item.pk}/evidence/", {"shipping_carrier": "DHL Express"}, follow=True)
    assert "Text evidence saved." in response.content.decode()
    item.refresh_from_db()
    assert item.evidence == {"shipping_carrier": "DHL Express"}
    response = agent.post(f"/desk/disputes/{item.pk}/evidence/", {"uncategorized_text": "x" * 20_001}, follow=True)
    assert "Ensure this value has at most 20000 characters" in response.content.decode()

    response = agent.post(f"/desk/disputes/{item.pk}/documents/", {
        "kind": "shipping_documentation", "file": photo()}, follow=True)
    page = response.content.decode()
    assert "Document attached: pod.jpg." in page
    assert '<span class="fs-4 fw-semibold" data-testid="completeness-score">100</span>' in page
    assert 'data-document="shipping_documentation" data-source="uploaded"' in page
    response = agent.post(f"/desk/disputes/{item.pk}/documents/", {
        "kind": "receipt", "file": SimpleUploadedFile("fake.pdf", b"%PDF-1.4 nothing")}, follow=True)
    assert "This file is neither a photo (JPEG, PNG, WebP) nor a readable PDF." in response.content.decode()
    assert DisputeDocument.objects.filter(dispute=item, source="uploaded").count() == 1


def test_only_the_actions_the_provider_allows_are_shown_and_run(agent, agent_user, monkeypatch):
    from disputes import submission
    from tests.disputes.test_evidence import scenario

    item = scenario()
    calls = []
    monkeypatch.setattr(submission, "dispute_actions", lambda dispute: frozenset({"submit", "accept"}))
    monkeypatch.setattr(submission, "dispute_submit", lambda **kw: calls.append(("submit", kw)))

    def refuse(**kw):
        raise submission.SubmissionRefused("The provider refused: too late.")

    monkeypatch.setattr(submission, "dispute_accept", refuse)
    page = agent.get(f"/desk/disputes/{item.pk}/").content.decode()
    assert 'data-testid="action-submit"' in page
    assert 'data-testid="action-accept"' in page
    assert 'data-testid="action-offer"' not in page
    assert 'data-testid="action-message"' not in page
    response = agent.post(f"/desk/disputes/{item.pk}/actions/submit/", follow=True)
    assert "Evidence submitted." in response.content.decode()
    assert calls == [("submit", {"dispute_id": item.pk, "user": agent_user})]
    response = agent.post(f"/desk/disputes/{item.pk}/actions/accept/", follow=True)
    assert "The provider refused: too late." in response.content.decode()
    response = agent.post(f"/desk/disputes/{item.pk}/actions/offer/", {"offer_type": "REFUND"}, follow=True)
    assert "This action is not available for this dispute now." in response.content.decode()
    assert len(calls) == 1


def test_once_submitted_the_evidence_is_read_only_and_the_queue_says_so(agent):
    from tests.disputes.test_evidence import scenario

    item = scenario()
    Dispute.objects.filter(pk=item.pk).update(submission_state="submitted")
    page = agent.get(f"/desk/disputes/{item.pk}/").content.decode()
    assert 'data-testid="evidence-form"' not in page
    assert 'data-testid="upload-form"' not in page
    assert 'data-testid="evidence-sent"' in page
    assert 'data-testid="submission-state">Evidence submitted</span>' in page
    queue = agent.get("/desk/disputes/").content.decode()
    assert '<td class="small" data-testid="response">Evidence submitted</td>' in queue
    response = agent.post(f"/desk/disputes/{item.pk}/evidence/", {"shipping_carrier": "UPS"}, follow=True)
    assert "it can no longer change" in response.content.decode()
