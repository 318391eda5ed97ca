"""The manager dashboard in a real browser on the demo store: the refund rate stands out, the manager drills down
to the lamp, its return reasons and its return cases, and exports the CSV; an agent is refused. Screenshots of
every step in the test's output folder."""

import csv
import io
from collections import Counter
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from aftersales.audit import drilldown
from aftersales.audit.metrics import month_bounds
from aftersales.audit.services import audit_backfill
from aftersales.choices import RefundCause, RefundStatus
from aftersales.demo_data import seed_demo_data
from aftersales.demo_data.catalogue import LAMP_SKU
from aftersales.models import MonthlyAudit, Refund
from policies.choices import ReturnReason
from returns.models import ReturnCase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(username)  # by id: the labels are in the browser's language
    page.locator("#id_password").fill("pw-" + username)
    page.get_by_test_id("login-submit").click()


def lamp_return_cases(month):
    """The demo's own return cases behind the lamp's return refunds of ``month`` (``seed_demo`` makes them through
    ``returns.api``), newest refund first: what the last step of the drill-down lists."""
    start, end = month_bounds(month, drilldown.store_tz())
    refunds = Refund.objects.filter(status=RefundStatus.SUCCEEDED, succeeded_at__gte=start, succeeded_at__lt=end,
                                    order__lines__sku=LAMP_SKU, cause=RefundCause.RETURN).order_by("-succeeded_at",
                                                                                                  "-pk")
    assert refunds, "the demo store refunds the lamp in its last closed month"
    assert all(refund.source_ref for refund in refunds), "each of the lamp's return refunds paid for a return case"
    cases = ReturnCase.objects.in_bulk([int(refund.source_ref.split(":")[1]) for refund in refunds])
    return [cases[int(refund.source_ref.split(":")[1])] for refund in refunds]


@pytest.fixture
def two_filters(settings):
    """US + Stripe, with the month to date shared as in production: the trend's months and their audits, the cache
    keys of those filters (the figures kept, the queue mark, the month to date) emptied before and after, so that
    the test starts from a first view."""
    from django.core.cache import cache

    settings.DASHBOARD_LIVE_SECONDS = 300
    filters = drilldown.m.Filters(market="US", provider="stripe")
    months = drilldown.trend_months()
    audits = drilldown.newest_audits(months)
    keys = [drilldown.filtered_key(x, filters, audits.get(x), explain=explain) for x in months
            for explain in (False, True)] + [drilldown.live_snapshot_key(drilldown.live_month())]
    keys += [drilldown.filtered_queue_key([x for x in months[:-2] if x in audits], filters)]
    cache.delete_many(keys)
    yield months, audits
    cache.delete_many(keys)


@pytest.fixture
def demo_store():
    seed_demo_data()
    audit_backfill()
    return drilldown.shift_month(drilldown.live_month(), -1)


def test_manager_drills_down_from_the_refund_rate_to_the_lamp_and_its_return_cases(
        live_server, browser, manager_user, demo_store, output_path, settings):
    from django.core.cache import cache

    settings.DASHBOARD_LIVE_SECONDS = 300  # the month so far as in production: the shared snapshot
    cache.delete(drilldown.live_snapshot_key(drilldown.live_month()))
    month = demo_store
    lamp_cases = lamp_return_cases(month)
    leading = Counter(case.reason for case in lamp_cases).most_common(1)[0][0]
    cases = [case for case in lamp_cases if case.reason == leading]  # newest refund first, as the page lists them
    audit = MonthlyAudit.objects.get(month=month)
    stored = audit.metrics["refund_rate_amount"]
    assert stored["status"] == "red"  # on the demo data the last closed month is over the 2.5 % line
    assert Decimal(stored["value"]) >= Decimal("2.5")
    lamp_row = next(row for row in audit.breakdowns["refund_rate_amount"]["sku"] if row["code"] == LAMP_SKU)
    assert Decimal(lamp_row["value"]) > 15  # the lamp stands out: ~20 % of its sales refunded, against ~2.5 % overall
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US", accept_downloads=True)
    page = context.new_page()
    log_in(page, base, "manager")
    page.goto(f"{base}/dashboard/")
    refund_rate = page.locator("tr[data-metric=refund_rate_amount] [data-testid=closed]")
    expect(refund_rate.get_by_test_id("status")).to_have_attribute("data-status", "red")
    expect(refund_rate.get_by_test_id("value")).to_have_text(f"{stored['value']}%")
    expect(page.get_by_test_id("explanations").locator("[data-metric=refund_rate_amount]")).to_contain_text(
        "SKU LAMP-01")
    expect(page.get_by_test_id("as-of")).to_contain_text("as of ")
    expect(page.locator("canvas[data-trend=trend-refund_rate_amount]")).to_have_attribute("data-drawn", "1")
    ticks = "c => Chart.getChart(c).scales.y.ticks.map(t => t.label)"
    assert all(label.endswith(" %") for label in page.locator(
        "canvas[data-trend=trend-refund_rate_amount]").evaluate(ticks))
    savings = page.locator("canvas[data-trend=trend-returnless_savings]").evaluate(ticks)
    assert savings
    assert all(label.startswith("$") for label in savings)  # money axes name the base currency
    page.screenshot(path=f"{output_path}/1-dashboard.png", full_page=True)
    # the month in progress is drawn apart: a hollow point, and its tooltip says "so far"; a closed month's does not
    point = """(c, index) => {
        const chart = Chart.getChart(c), n = index < 0 ? chart.data.labels.length + index : index;
        chart.tooltip.setActiveElements([{datasetIndex: 0, index: n}], {x: 0, y: 0});
        chart.update();
        return {title: chart.tooltip.title, fill: chart.getDatasetMeta(0).data[n].options.backgroundColor};
    }"""
    trend = page.locator("canvas[data-trend=trend-refund_rate_amount]")
    in_progress, closed_point = trend.evaluate(point, -1), trend.evaluate(point, -2)
    assert in_progress["title"][0].endswith("(so far)")
    assert in_progress["fill"] == "#fff"
    assert "so far" not in closed_point["title"][0]
    assert closed_point["fill"] != "#fff"

    refund_rate.get_by_test_id("value").click()
    expect(page.get_by_test_id("page-title")).to_have_text("Refund rate (amount)")
    page.get_by_test_id("dimensions").locator("[data-dimension=sku]").click()
    lamp = page.get_by_test_id("breakdown").locator(f"tr[data-code='{LAMP_SKU}']")
    expect(lamp.get_by_test_id("status")).to_have_attribute("data-status", "red")
    expect(lamp).to_contain_text(f"{lamp_row['value']}%")
    page.screenshot(path=f"{output_path}/2-refund-rate-by-sku.png", full_page=True)

    table = page.get_by_test_id("breakdown")
    stored_rows = audit.breakdowns["refund_rate_amount"]["sku"]
    highest = max(Decimal(row["value"]) for row in stored_rows)
    header = table.locator("thead th").nth(1)
    header.click()  # ascending
    header.click()  # descending: the highest refund rate first
    expect(header).to_have_attribute("aria-sort", "descending")
    expect(table.locator("tbody tr").first.locator("td").nth(1)).to_have_attribute("data-sort", str(highest))
    page.get_by_test_id("table-filter").fill("lamp")
    expect(table.locator("tbody tr:visible")).to_have_count(1)
    page.get_by_test_id("table-filter").fill("")
    expect(table.locator("tbody tr:visible")).to_have_count(len(stored_rows))

    with page.expect_download() as download_info:
        page.get_by_test_id("export-csv").click()
    download = download_info.value
    assert download.suggested_filename == f"refund_rate_amount-sku-{month:%Y-%m}.csv"
    rows = list(csv.DictReader(io.StringIO(download.path().read_text(encoding="utf-8-sig"))))
    assert [row["code"] for row in rows] == [row["code"] for row in audit.breakdowns["refund_rate_amount"]["sku"]]
    assert next(row for row in rows if row["code"] == LAMP_SKU)["value"] == lamp_row["value"]

    lamp.get_by_test_id("row-link").click()
    expect(page.get_by_test_id("page-title")).to_contain_text(LAMP_SKU)
    # the lamp's own year: every audited month's stored value, the threshold line, the lamp above it all along
    expect(page.get_by_test_id("row-trend")).to_have_attribute("data-drawn", "1")
    lamp_year = page.get_by_test_id("row-trend").evaluate("c => Chart.getChart(c).data.datasets[0].data")
    audited = {a.month: a for a in drilldown.newest_audits(drilldown.trend_months()[:-1], with_breakdowns=True)
               .values()}
    expected = [next((float(r["value"]) for r in audited[x].breakdowns["refund_rate_amount"]["sku"]
                      if r["code"] == LAMP_SKU), None) if x in audited else None for x in drilldown.trend_months()[:-1]]
    assert lamp_year[:-1] == expected
    assert sum(v is not None and v > 2.5 for v in lamp_year[:-1]) >= 10  # the lamp stands out month after month
    reason = page.get_by_test_id("reasons").locator(f"tr[data-code={leading}]")
    expect(reason).to_contain_text(str(ReturnReason(leading).label))
    page.screenshot(path=f"{output_path}/3-lamp-reasons.png", full_page=True)

    reason.get_by_test_id("reason-link").click()
    links = page.get_by_test_id("cases").get_by_test_id("case-link")
    expect(links).to_have_count(len(cases))
    page.screenshot(path=f"{output_path}/4-lamp-return-cases.png", full_page=True)
    newest = cases[0]
    expect(links.first).to_have_text(newest.rma)
    links.first.click()
    expect(page).to_have_url(f"{base}/desk/returns/{newest.pk}/")
    expect(page.get_by_test_id("page-title")).to_contain_text(newest.rma)
    expect(page.get_by_test_id("case-status")).to_have_text(newest.get_status_display())  # resolved or closed
    page.screenshot(path=f"{output_path}/5-return-case-on-the-desk.png", full_page=True)
    context.close()


def test_an_agent_gets_403_on_the_dashboard(live_server, page, agent_user, output_path):
    log_in(page, live_server.url, "agent")
    response = page.goto(f"{live_server.url}/dashboard/metrics/refund_rate_amount/")
    assert response.status == 403
    page.screenshot(path=f"{output_path}/agent-403.png", full_page=True)


def test_a_manager_on_a_phone_reads_the_dashboard_in_chinese_and_downloads_the_pdf(
        live_server, browser, manager_user, demo_store, output_path):
    month = demo_store
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    log_in(page, live_server.url, "manager")
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_test_id("overview")).to_contain_text(f"{month.year}年{month.month}月")
    expect(page.locator("canvas[data-trend=trend-refund_rate_amount]")).to_have_attribute("data-drawn", "1")
    page.screenshot(path=f"{output_path}/1-dashboard-zh-phone.png", full_page=True)
    with page.expect_download() as download_info:
        page.get_by_test_id("export-pdf").click()
    download = download_info.value
    assert download.suggested_filename == f"audit-{month:%Y-%m}.pdf"
    content = download.path().read_bytes()
    assert content.startswith(b"%PDF-")
    assert b"WenQuanYiZenHei" in content
    context.close()


def test_manager_drills_down_from_repeat_complaints_to_the_tickets_and_opens_one_in_the_desk(
        live_server, browser, agent_user, manager_user, output_path):
    from django.core.management import call_command

    seed_demo_data()
    call_command("seed_tickets", stdout=io.StringIO())  # the support team and the demo's year of conversations
    audit_backfill()
    month = drilldown.shift_month(drilldown.live_month(), -1)
    audit = MonthlyAudit.objects.get(month=month)
    assert audit.metrics["repeat_complaint_rate"]["value"] is not None
    channel = next(row for row in audit.breakdowns["repeat_complaint_rate"]["channel"] if row["numerator"])
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US", accept_downloads=True)
    page = context.new_page()
    log_in(page, base, "manager")
    page.goto(f"{base}/dashboard/")
    page.locator("tr[data-metric=repeat_complaint_rate] [data-testid=closed]").get_by_test_id("value").click()
    expect(page.get_by_test_id("page-title")).to_have_text("Repeat complaints")
    page.get_by_test_id("dimensions").locator("[data-dimension=channel]").click()
    page.get_by_test_id("breakdown").locator(f"tr[data-code='{channel['code']}'] a").first.click()
    page.get_by_test_id("rows-below").click()
    expect(page.get_by_test_id("page-title")).to_have_text("Tickets")
    tickets = page.get_by_test_id("tickets").locator("tbody tr")
    expect(tickets).to_have_count(min(channel["denominator"], 50))  # every complaint of the row, 50 to a page
    expect(page.get_by_test_id("repeat")).to_have_count(min(channel["numerator"], 50))
    expect(page.get_by_test_id("page-next")).to_have_count(1 if channel["denominator"] > 50 else 0)
    expect(tickets.first.get_by_test_id("repeat")).to_be_visible()  # the repeats come first
    page.screenshot(path=f"{output_path}/1-repeat-complaints-tickets.png", full_page=True)
    with page.expect_download() as download_info:
        page.get_by_test_id("export-csv").click()
    exported = list(csv.DictReader(io.StringIO(download_info.value.path().read_text(encoding="utf-8-sig"))))
    assert len(exported) == channel["denominator"]
    assert sum(int(row["repeat"]) for row in exported) == channel["numerator"]
    number = tickets.first.get_by_test_id("ticket-link").inner_text()
    tickets.first.get_by_test_id("ticket-link").click()
    expect(page).to_have_url(f"{base}/desk/tickets/{number}/")
    expect(page.locator("body")).to_contain_text(number)
    page.screenshot(path=f"{output_path}/2-the-ticket-in-the-desk.png", full_page=True)
    context.close()


def manager_page(browser, base):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    log_in(page, base, "manager")
    return context, page


def audited_months_drawn(page, months, audits) -> bool:
    """The refund-rate trend is drawn with a value for every audited closed month of the trend."""
    expect(page.locator("canvas[data-trend=trend-refund_rate_amount]")).to_have_attribute("data-drawn", "1")
    values = page.locator("canvas[data-trend=trend-refund_rate_amount]").evaluate(
        "c => Chart.getChart(c).data.datasets[0].data")
    return sum(v is not None for v in values[:-2]) == len([x for x in months[:-2] if x in audits])


def test_two_filters_show_the_trend_s_progress_and_the_page_fills_in(
        live_server, browser, manager_user, demo_store, output_path, two_filters, tasks_inline):
    """Several filters at once: the first page says the trend is being computed and polls; once the worker has it
    (here the task runs as it is queued), the page reloads itself whole."""
    context, page = manager_page(browser, live_server.url)
    page.goto(f"{live_server.url}/dashboard/")
    pages = []  # every dashboard page under the two filters, as the server sent it (before the reload)

    def keep(route):
        response = route.fetch()
        pages.append(response.text())
        route.fulfill(response=response)

    page.route(lambda url: "provider=stripe" in url and "progress=" not in url, keep)
    page.locator("select[name=market]").select_option("US")
    page.locator("select[name=provider]").select_option("stripe")
    page.get_by_test_id("apply-filters").click()
    for _ in range(200):  # the first page, then the one it reloads itself into once the trend is in
        if len(pages) >= 2:
            break
        page.wait_for_timeout(100)
    assert len(pages) >= 2, "the page reloaded itself once the trend was in"
    page.wait_for_load_state()
    expect(page.get_by_test_id("trend-progress")).to_have_count(0)
    assert 'data-testid="trend-progress"' in pages[0]  # the first page: the trend being computed
    assert 'data-testid="trend-progress"' not in pages[-1]
    assert audited_months_drawn(page, *two_filters)
    page.screenshot(path=f"{output_path}/1-two-filters-whole.png", full_page=True)
    context.close()


def test_with_the_worker_silent_the_page_says_so_and_computes_every_month_when_asked(
        live_server, browser, manager_user, demo_store, output_path, settings, two_filters, monkeypatch):
    """Several filters at once with no worker taking the trend: the progress bar stays empty, after the stall time
    the page says the worker has not answered and offers every month now; the manager takes it and gets the whole
    trend on that request."""
    from aftersales import tasks

    sent = []
    monkeypatch.setattr(tasks.dashboard_filtered_months_task, "delay", lambda *a, **kw: sent.append((a, kw)))
    settings.DASHBOARD_PROGRESS_STALL_SECONDS = 2
    context, page = manager_page(browser, live_server.url)
    page.goto(f"{live_server.url}/dashboard/?market=US&provider=stripe")
    expect(page.get_by_test_id("trend-progress")).to_be_visible()
    expect(page.get_by_test_id("trend-stalled")).to_be_hidden()
    assert len(sent) == 1  # queued, and nobody takes it
    expect(page.get_by_test_id("trend-stalled")).to_be_visible(timeout=15000)
    assert page.url.endswith("/dashboard/?market=US&provider=stripe")  # still waiting, not reloaded
    page.screenshot(path=f"{output_path}/1-worker-silent.png", full_page=True)
    with page.expect_navigation(timeout=60000):  # every month computed on this request: seconds, not a moment
        page.get_by_test_id("trend-whole").click()
    assert "whole=1" in page.url
    expect(page.get_by_test_id("trend-progress")).to_have_count(0)
    assert audited_months_drawn(page, *two_filters)
    assert len(sent) == 1  # computed on the request: nothing more queued
    page.screenshot(path=f"{output_path}/2-every-month-now.png", full_page=True)
    context.close()
