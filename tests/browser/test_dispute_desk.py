"""The dispute desk in a real browser: an agent opens the most urgent dispute from the queue, sees that the proof
of delivery is missing, attaches the carrier's delivery photo, sees the completeness rise, and submits; Stripe's
Files and Disputes APIs are intercepted (``responses`` patches the process, so the live server's thread is caught
too) and the requests sent are asserted. Screenshots in the test's output folder."""

import itertools
import json
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import responses
import stripe
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from disputes.models import Dispute, DisputeDocument
from tests.disputes.test_evidence import scenario

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SLOW = 30_000  # ms


def test_an_agent_completes_and_submits_the_most_urgent_dispute(live_server, browser, agent_user, settings,
                                                                 monkeypatch, output_path, tmp_path):
    settings.STRIPE_SECRET_KEY = "sk_test_desk"
    monkeypatch.setattr(stripe, "enable_telemetry", False)
    scenario("fraudulent")  # less urgent
    urgent = scenario("product_not_received", pod=False)
    Dispute.objects.filter(pk=urgent.pk).update(internal_deadline=timezone.now() + timedelta(hours=10))
    photo = tmp_path / "dhl-delivery-photo.jpg"
    Image.new("RGB", (1200, 900), (90, 120, 160)).save(photo, "JPEG", quality=90)

    file_ids = (f"file_desk{n}" for n in itertools.count(1))
    uploads, updates = [], []

    def file_created(request):
        uploads.append(request.body)
        return 200, {}, json.dumps({"id": next(file_ids), "object": "file", "purpose": "dispute_evidence"})

    def dispute_updated(request):
        updates.append(parse_qs(request.body if isinstance(request.body, str) else request.body.decode()))
        return 200, {}, json.dumps({"id": urgent.provider_id, "object": "dispute", "status": "under_review"})

    desk = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    desk.goto(f"{live_server.url}/accounts/login/")
    desk.get_by_label("Username").fill("agent")
    desk.get_by_label("Password").fill("pw-agent")
    desk.get_by_test_id("login-submit").click()

    desk.goto(f"{live_server.url}/desk/disputes/")
    rows = desk.locator('[data-testid="queue"] tbody tr')
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-dispute", str(urgent.pk))
    desk.screenshot(path=f"{output_path}/1-queue.png", full_page=True)

    rows.first.get_by_role("link").first.click()
    expect(desk.get_by_test_id("page-title")).to_contain_text(urgent.provider_id)
    expect(desk.get_by_test_id("completeness-score")).to_have_text("80")
    expect(desk.get_by_test_id("missing-proof_of_delivery")).to_contain_text("Ask the carrier for the proof")
    desk.screenshot(path=f"{output_path}/2-proof-of-delivery-missing.png", full_page=True)

    desk.get_by_test_id("upload-kind").select_option("shipping_documentation")
    desk.get_by_test_id("upload-file").set_input_files(str(photo))
    desk.get_by_test_id("upload-submit").click()
    # The page rebuilds the packet (the photo is printed into the shipping PDF): slow on a loaded machine.
    expect(desk.get_by_text("Document attached: dhl-delivery-photo.jpg.")).to_be_visible(timeout=SLOW)
    expect(desk.get_by_test_id("completeness-score")).to_have_text("100")
    expect(desk.get_by_test_id("missing-proof_of_delivery")).to_have_count(0)
    expect(desk.locator('[data-document="shipping_documentation"][data-source="uploaded"] img')).to_be_visible()
    desk.screenshot(path=f"{output_path}/3-proof-of-delivery-attached.png", full_page=True)

    with responses.RequestsMock(assert_all_requests_are_fired=True) as http:
        http.add_callback(responses.POST, "https://files.stripe.com/v1/files", callback=file_created)
        http.add_callback(responses.POST, f"https://api.stripe.com/v1/disputes/{urgent.provider_id}",
                          callback=dispute_updated)
        desk.get_by_test_id("action-submit").click()
        expect(desk.get_by_text("Evidence submitted.")).to_be_visible(timeout=SLOW)
    expect(desk.get_by_test_id("submission-state")).to_have_text("Evidence submitted")
    expect(desk.get_by_test_id("action-submit")).to_have_count(0)
    desk.screenshot(path=f"{output_path}/4-submitted.png", full_page=True)
    # A PDF preview loads on demand (Chromium's PDF viewer in an <iframe>, served by the access-checked view).
    shipping = desk.locator('[data-document="shipping_documentation"][data-source="generated"]')
    shipping.get_by_text("Preview").click()
    expect(shipping.locator("iframe")).to_have_attribute("src", re.compile(rf"/desk/disputes/{urgent.pk}/documents/"))
    desk.wait_for_timeout(1000)
    desk.screenshot(path=f"{output_path}/5-preview.png", full_page=True)

    sent = {d.kind: d for d in DisputeDocument.objects.filter(dispute=urgent).exclude(provider_file_id="")}
    assert sorted(sent) == ["customer_communication", "receipt", "refund_policy", "shipping_documentation"]
    assert len(uploads) == 4
    assert all(b'name="purpose"' in body and b"dispute_evidence" in body for body in uploads)
    (update,) = updates
    assert update["submit"] == ["true"]
    assert update["evidence[shipping_carrier]"] == ["DHL"]
    assert update["evidence[shipping_tracking_number]"] == [urgent.order.shipments.get().tracking_number]
    assert {update[f"evidence[{kind}]"][0] for kind in sent} == {d.provider_file_id for d in sent.values()}
    assert re.fullmatch(r"file_desk\d", sent["shipping_documentation"].provider_file_id)
    urgent.refresh_from_db()
    assert (urgent.submission_state, urgent.completeness) == ("submitted", 100)


def test_the_packet_downloads_as_one_pdf(live_server, browser, agent_user, output_path):
    dispute = scenario()
    desk = browser.new_context().new_page()
    desk.goto(f"{live_server.url}/accounts/login/")
    desk.get_by_label("Username").fill("agent")
    desk.get_by_label("Password").fill("pw-agent")
    desk.get_by_test_id("login-submit").click()
    desk.goto(f"{live_server.url}/desk/disputes/{dispute.pk}/")
    with desk.expect_download() as download_info:
        desk.get_by_test_id("download-packet").click()
    download = download_info.value
    assert download.suggested_filename == f"dispute-{dispute.provider_id}-evidence.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF-")


def test_the_queue_countdowns_keep_counting_without_a_reload(live_server, browser, agent_user, output_path):
    """The deadlines tick in the open page (aftersales/static/aftersales/countdown.js, every 30 s): the browser's
    clock is moved on an hour, then past the deadline, and the same cell tells the time left, then how late."""
    soon = scenario("product_not_received")
    Dispute.objects.filter(pk=soon.pk).update(internal_deadline=timezone.now() + timedelta(hours=2, seconds=40))
    desk = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    desk.clock.install()
    desk.goto(f"{live_server.url}/accounts/login/")
    desk.get_by_label("Username").fill("agent")
    desk.get_by_label("Password").fill("pw-agent")
    desk.get_by_test_id("login-submit").click()
    desk.goto(f"{live_server.url}/desk/disputes/")
    cell = desk.locator(f'[data-dispute="{soon.pk}"] [data-testid="countdown"] time')
    expect(cell).to_have_text(re.compile(r"^(1|2)\W+hours?"))  # the server's rendering: 2 hours (or 1 h 59 min)
    # red, the desk's danger red (#b02a37, AA contrast), as its cell says: under 24 hours (not link blue)
    expect(cell).to_have_css("color", "rgb(176, 42, 55)")
    desk.clock.run_for(60 * 60 * 1000)
    expect(cell).to_have_text("1 hour")
    desk.screenshot(path=f"{output_path}/countdown-1-an-hour-later.png")
    desk.clock.run_for(90 * 60 * 1000)
    expect(cell).to_have_text(re.compile(r"^(29|30) minutes overdue$"))
    desk.screenshot(path=f"{output_path}/countdown-2-overdue.png")
