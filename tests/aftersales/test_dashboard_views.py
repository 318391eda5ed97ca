"""The manager dashboard through HTTP on the hand-built store of ``dashboard_support``: who may open each page, the
numbers and the drill-down chain, the CSV exports (exact), the PDF report in English and Chinese, and query counts
that do not grow with the data."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext

from aftersales.audit import drilldown, services
from aftersales.choices import RefundCause
from aftersales.models import MonthlyAudit, Order, Payment, Product
from tests import factories
from tests.aftersales.dashboard_support import _order, _refund, at, build_store
from tests.aftersales.pdf_text import pdf_text

pytestmark = pytest.mark.django_db

BOM = "\ufeff"


@pytest.fixture
def store():
    built = build_store()
    services.audit_month(built.month, alerts=False)
    return built


def month_of(store):
    return f"{store.month:%Y-%m}"


def urls(store):
    m = month_of(store)
    return [
        "/dashboard/",
        "/dashboard/?format=csv",
        f"/dashboard/metrics/refund_rate_amount/?month={m}&dimension=sku",
        f"/dashboard/metrics/refund_rate_amount/sku/LAMP-01/?month={m}",
        f"/dashboard/metrics/refund_rate_amount/sku/LAMP-01/cases/?month={m}&reason=defective",
        f"/dashboard/reports/{m}.pdf",
        "/dashboard/?format=csv&table=trend",
        f"/dashboard/metrics/refund_rate_amount/?month={m}&dimension=sku&format=csv",
        f"/dashboard/metrics/refund_rate_amount/sku/LAMP-01/?month={m}&format=csv",
        f"/dashboard/metrics/refund_rate_amount/sku/LAMP-01/cases/?month={m}&format=csv",
    ]


# -- who may -----------------------------------------------------------------------------------------------------

def test_a_manager_opens_every_dashboard_page(client, manager_user, store):
    client.force_login(manager_user)
    for url in urls(store):
        assert client.get(url).status_code == 200, url


def test_a_superuser_opens_every_dashboard_page(client, django_user_model, store):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "pw"))
    for url in urls(store):
        assert client.get(url).status_code == 200, url


def test_an_agent_is_refused_every_dashboard_page(client, agent_user, store):
    client.force_login(agent_user)
    for url in urls(store):
        assert client.get(url).status_code == 403, url


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, store):
    for url in urls(store):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next=/dashboard/"), url


def test_unknown_metrics_dimensions_and_months_are_not_found(client, manager_user, store):
    client.force_login(manager_user)
    m = month_of(store)
    assert client.get("/dashboard/metrics/no_such_metric/").status_code == 404
    assert client.get(f"/dashboard/metrics/csat/sku/LAMP-01/?month={m}").status_code == 404  # CSAT has no SKU
    assert client.get(f"/dashboard/metrics/csat/sku/LAMP-01/cases/?month={m}").status_code == 404
    assert client.get(f"/dashboard/reports/{store.live:%Y-%m}.pdf").status_code == 404  # not audited
    assert client.get("/dashboard/reports/May.pdf").status_code == 404


def test_a_month_or_dimension_not_understood_is_named_and_the_default_shown(client, manager_user, store):
    client.force_login(manager_user)
    response = client.get("/dashboard/metrics/refund_rate_amount/?month=2019-13&dimension=colour")
    assert response.status_code == 200
    page = response.context["page"]
    assert (page["month"], page["dimension"]) == (store.month, "sku")
    assert [str(message) for message in response.context["messages"]] == [
        f"“2019-13” is not one of the last twelve months (YYYY-MM): showing {month_of(store)}.",
        "Refund rate (amount) cannot be broken down by “colour”."]


def test_posting_is_not_allowed(client, manager_user, store):
    client.force_login(manager_user)
    assert client.post("/dashboard/").status_code == 405


# -- what the pages show ---------------------------------------------------------------------------------------

def test_the_overview_puts_the_closed_month_beside_the_live_one_with_badges_and_explanations(
        client, manager_user, store):
    client.force_login(manager_user)
    response = client.get("/dashboard/")
    page = response.context["page"]
    refund = next(row for row in page["rows"] if row["key"] == "refund_rate_amount")
    assert (refund["closed"]["text"], refund["closed"]["status"]) == ("23.33%", "red")
    assert (refund["current"]["text"], refund["current"]["status"]) == ("no data", "no_data")
    limits = drilldown.m.metric("refund_rate_amount").thresholds
    assert refund["threshold"] == f"warning from {limits.amber:.2f}%, alert from {limits.red:.2f}%"
    assert refund["closed_url"] == f"/dashboard/metrics/refund_rate_amount/?month={month_of(store)}"
    csat = next(row for row in page["rows"] if row["key"] == "csat")
    limits = drilldown.m.metric("csat").thresholds
    assert csat["threshold"] == f"warning below {limits.amber:.2f}%, alert below {limits.red:.2f}%"
    explained = {item["key"]: item["closed_sentences"] for item in page["explained"]}
    assert set(explained) == {"refund_rate_amount", "refund_rate_count"}
    assert explained["refund_rate_amount"][0].startswith("SKU LAMP-01 drove 86 %")
    trend = page["trend"][0]["data"]
    assert trend["values"][-2:] == [23.33, None]  # the closed month, then no data so far (a gap, not 0)
    assert trend["statuses"][-2:] == ["red", "no_data"]
    assert trend["threshold"] == 2.5
    assert len(trend["labels"]) == 12
    assert trend["partial"] is True
    assert trend["soFar"] == "so far"
    content = response.content.decode()
    assert 'data-status="red"' in content
    assert 'id="trend-refund_rate_amount"' in content
    assert f'href="/dashboard/reports/{month_of(store)}.pdf"' in content


def test_the_month_so_far_is_computed_live_with_its_explanations(client, manager_user, store):
    start = drilldown.m.month_bounds(store.live)[0]
    order = _order("#L-1", store.live, [(Product.objects.get(sku="MUG-01"), 10000)])
    Order.objects.filter(pk=order.pk).update(placed_at=start + timedelta(seconds=1))
    Payment.objects.filter(order=order).update(captured_at=start + timedelta(seconds=1))
    _refund(order, 1000, start + timedelta(seconds=2), cause=RefundCause.GOODWILL, reason="Late delivery")
    client.force_login(manager_user)
    page = client.get("/dashboard/").context["page"]
    refund = next(row for row in page["rows"] if row["key"] == "refund_rate_amount")
    assert (refund["current"]["text"], refund["current"]["status"]) == ("10.00%", "red")
    explained = {item["key"]: item["current_sentences"] for item in page["explained"]}
    assert explained["refund_rate_amount"][0].startswith("SKU MUG-01 drove 100 %")
    assert page["trend"][0]["data"]["values"][-1] == 10.0


def test_the_alert_banner_shows_the_closed_months_alerts(client, manager_user):
    built = build_store()
    services.audit_month(built.month)  # alerts on: the refund rates closed red
    client.force_login(manager_user)
    response = client.get("/dashboard/")
    alerts = {alert["metric"]: alert for alert in response.context["page"]["alerts"]}
    assert set(alerts) >= {"refund_rate_amount", "refund_rate_count"}
    assert alerts["refund_rate_amount"]["value"] == "23.33%"
    assert alerts["refund_rate_amount"]["url"] == f"/dashboard/metrics/refund_rate_amount/?month={month_of(built)}"
    assert b'data-testid="alert-banner"' in response.content


def test_refund_rate_by_sku_then_the_lamp_then_its_reasons_then_its_return_cases(client, manager_user, store):
    client.force_login(manager_user)
    m = month_of(store)
    response = client.get(f"/dashboard/metrics/refund_rate_amount/?month={m}&dimension=sku")
    by_sku = response.context["page"]
    assert [(r["code"], r["text"], r["status"], r["share_text"]) for r in by_sku["rows"]] == [
        ("LAMP-01", "40.00%", "red", "85.71%"), ("MUG-01", "6.67%", "red", "14.29%")]
    # each SKU's own leading reason, in a column of its own (by market there is none)
    assert [(r["code"], r["reason_label"]) for r in by_sku["rows"]] == [
        ("LAMP-01", "Defective or damaged"), ("MUG-01", "Scratched")]
    assert response.content.count(b'data-testid="leading-reason"') == 2
    by_market = client.get(f"/dashboard/metrics/refund_rate_amount/?month={m}&dimension=market")
    assert b'data-testid="leading-reason"' not in by_market.content
    lamp_url = by_sku["rows"][0]["url"]
    assert lamp_url == f"/dashboard/metrics/refund_rate_amount/sku/LAMP-01/?month={m}"

    lamp = client.get(lamp_url).context["page"]
    assert lamp["row"]["text"] == "40.00%"
    french = client.get(lamp_url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<h2 class="h5 mb-0">Remboursements par motif</h2>' in french  # one sentence, not "par Motif"
    assert (lamp["row"]["numerator_text"], lamp["row"]["denominator_text"]) == ("$60.00", "$150.00")
    # The lamp's 60.00: 50.00 through the return case, and its half of the 20.00 goodwill refund of order C.
    assert [(r["code"], r["label"], r["refunds"], r["amount_minor"], r["share_text"]) for r in lamp["reasons"]] == [
        ("defective", "Defective or damaged", 1, 5000, "83.33%"), ("Scratched", "Scratched", 1, 1000, "16.67%")]

    cases = client.get(lamp["reasons"][0]["url"]).context["page"]
    assert [(c["rma"], c["order"], c["amount_text"], c["case_url"]) for c in cases["cases"]] == [
        ("R-LAMPCASE1", "#A-1", "$50.00", f"/desk/returns/{store.case.pk}/")]
    every = client.get(lamp["cases_url"]).context["page"]
    assert [c["order"] for c in every["cases"]] == ["#C-1", "#A-1"]  # newest refund first
    assert every["cases"][0]["case_url"] == ""  # the goodwill refund has no return case


def test_a_row_shows_its_own_twelve_months_from_the_stored_audits_newest_revision(client, manager_user, store):
    """The lamp over the year: each closed month from its stored audit (the newest revision), the month in progress
    computed now; a month without an audit is a gap, an audited month without the lamp "no data"."""
    lamp, mug = Product.objects.get(sku="LAMP-01"), Product.objects.get(sku="MUG-01")
    before, mug_only = drilldown.shift_month(store.month, -1), drilldown.shift_month(store.month, -2)
    older = _order("#OLD-1", before, [(lamp, 10000)])
    _refund(older, 1000, at(before, 20), cause=RefundCause.GOODWILL, reason="Late")
    _order("#MUG-ONLY", mug_only, [(mug, 10000)])
    services.audit_month(before, alerts=False)
    services.audit_month(mug_only, alerts=False)
    _refund(older, 500, at(before, 21), cause=RefundCause.GOODWILL, reason="Late")  # after the first revision
    services.audit_month(before, recompute=True, alerts=False)  # the newest revision: 15.00 of 100.00
    now = _order("#NOW-1", store.live, [(lamp, 10000)])
    month_start = drilldown.m.month_bounds(store.live, drilldown.store_tz())[0]
    so_far = month_start + (timezone.now() - month_start) / 2  # placed, paid and refunded earlier this month
    Order.objects.filter(pk=now.pk).update(placed_at=so_far)
    Payment.objects.filter(order=now).update(captured_at=so_far)
    _refund(now, 3000, so_far, cause=RefundCause.GOODWILL, reason="Late")

    client.force_login(manager_user)
    response = client.get(f"/dashboard/metrics/refund_rate_amount/sku/LAMP-01/?month={month_of(store)}")
    trend = response.context["page"]["trend"]["data"]
    assert trend["values"][-4:] == [None, 15.0, 40.0, 30.0]  # mug-only month, the revision, the closed, so far
    assert trend["statuses"][-4:] == ["no_data", "red", "red", "red"]
    assert trend["values"][:-4] == [None] * 8  # no audit: gaps, never zeros
    assert trend["partial"] is True
    assert trend["noData"] == "not in this month's breakdown"  # the mug-only month: no row of the lamp stored
    assert trend["label"] == "LAMP-01 · Nordic LED table lamp · Refund rate (amount)"
    assert trend["threshold"] == 2.5
    content = response.content.decode()
    assert 'data-testid="row-trend"' in content
    assert "chart.umd.min.js" in content
    links = response.context["page"]["months"]
    assert len(links) == 12
    assert [link["active"] for link in links].index(True) == 10
    assert links[9]["url"] == f"/dashboard/metrics/refund_rate_amount/sku/LAMP-01/?month={before:%Y-%m}"
    assert client.get(links[9]["url"]).context["page"]["row"]["text"] == "15.00%"

    exported = client.get(f"/dashboard/metrics/refund_rate_amount/sku/LAMP-01/?month={month_of(store)}&format=csv"
                          "&table=trend")
    assert exported["Content-Disposition"] == 'attachment; filename="refund_rate_amount-sku-LAMP-01-trend.csv"'
    lines = exported.content.decode().removeprefix(BOM).splitlines()
    assert lines[0] == "month,metric,dimension,code,value,status"
    assert lines[-4:] == [f"{mug_only:%Y-%m},refund_rate_amount,sku,LAMP-01,,no_data",
                          f"{before:%Y-%m},refund_rate_amount,sku,LAMP-01,15.00,red",
                          f"{store.month:%Y-%m},refund_rate_amount,sku,LAMP-01,40.00,red",
                          f"{store.live:%Y-%m},refund_rate_amount,sku,LAMP-01,30.00,red"]
    assert len(lines) == 13

    filtered = client.get(f"/dashboard/metrics/refund_rate_amount/sku/LAMP-01/?month={month_of(store)}&market=US")
    assert filtered.context["page"]["trend"] is None  # the stored breakdowns are unfiltered
    assert 'data-testid="row-trend-filtered"' in filtered.content.decode()
    assert "chart.umd.min.js" not in filtered.content.decode()
    assert client.get(f"/dashboard/metrics/refund_rate_amount/sku/LAMP-01/?month={month_of(store)}&market=US"
                      "&format=csv&table=trend").status_code == 404
    assert filtered.context["page"]["unfiltered_url"] == (
        f"/dashboard/metrics/refund_rate_amount/sku/LAMP-01/?month={month_of(store)}")


def test_a_row_of_a_money_metric_is_zero_in_an_audited_month_without_it(store):
    definition = drilldown.m.metric("returnless_savings")
    trend = drilldown.row_trend(drilldown.row_months(definition, "market", "US"), "returnless_savings", "en")
    assert trend["values"][-2] == 0.0  # audited, no item kept: nothing saved
    assert trend["values"][:-2] == [None] * 10


def test_a_sku_outside_the_stored_largest_rows_opens_with_its_own_numbers(client, manager_user):
    """A stored breakdown keeps the 20 rows that contribute most; the others are opened by code and computed."""
    built = build_store()
    for n in range(21):  # 21 more SKUs, each 100.00 sold and (n + 1).00 refunded: the smallest is the 23rd row
        product = Product.objects.create(sku=f"SKU-{n:02d}", name=f"Thing {n}")
        order = _order(f"#S-{n}", built.month, [(product, 10000)])
        _refund(order, 100 * (n + 1), at(built.month, 18), cause=RefundCause.GOODWILL, reason="Changed mind")
    services.audit_month(built.month, alerts=False)
    stored = MonthlyAudit.objects.get(month=built.month).breakdowns["refund_rate_amount"]["sku"]
    assert len(stored) == 20
    assert "SKU-00" not in {row["code"] for row in stored}  # 1.00 refunded: the least contributing

    client.force_login(manager_user)
    m = month_of(built)
    by_sku = client.get(f"/dashboard/metrics/refund_rate_amount/?month={m}&dimension=sku")
    assert by_sku.context["page"]["largest_only"] == 20
    content = by_sku.content.decode()
    assert "The 20 rows that contribute most are shown." in content
    assert 'action="/dashboard/metrics/refund_rate_amount/sku/"' in content
    german = client.get(f"/dashboard/metrics/refund_rate_amount/?month={m}&dimension=sku",
                        HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'data-testid="row-open">Öffnen</button>' in german  # the verb, not the state ("Offen")
    assert '<th class="text-end">Umsatz</th>' in german  # the table's headings are German too
    assert ">Sales<" not in german
    found = client.get(f"/dashboard/metrics/refund_rate_amount/sku/?month={m}&code=+SKU-00+&market=US")
    assert found.status_code == 302
    assert found["Location"] == f"/dashboard/metrics/refund_rate_amount/sku/SKU-00/?market=US&month={m}"
    row = client.get(found["Location"]).context["page"]
    assert (row["row"]["text"], row["row"]["numerator_text"], row["row"]["denominator_text"]) == (
        "1.00%", "$1.00", "$100.00")
    assert [(r["code"], r["amount_minor"]) for r in row["reasons"]] == [("Changed mind", 100)]
    assert row["trend"] is None  # under the market filter
    unfiltered = client.get(f"/dashboard/metrics/refund_rate_amount/sku/SKU-00/?month={m}").context["page"]
    assert unfiltered["trend"]["data"]["values"][-2] == 1.0  # the month shown, in its trend too
    assert client.get(f"/dashboard/metrics/refund_rate_amount/sku/NOPE/?month={m}").context["page"]["row"] is None
    back = client.get(f"/dashboard/metrics/refund_rate_amount/sku/?month={m}&code=a/b", follow=True)
    assert "cannot be opened as a row" in back.content.decode()
    assert client.get(f"/dashboard/metrics/refund_rate_amount/nope/?month={m}&code=X").status_code == 404


def test_a_reason_row_leads_to_its_skus(client, manager_user, store):
    client.force_login(manager_user)
    page = client.get(f"/dashboard/metrics/refund_rate_amount/reason/Scratched/?month={month_of(store)}"
                      ).context["page"]
    assert [(r["code"], r["amount_minor"]) for r in page["reasons"]] == [("LAMP-01", 1000), ("MUG-01", 1000)]


def test_a_market_row_breaks_the_metric_down_within_it(client, manager_user, store):
    client.force_login(manager_user)
    page = client.get(f"/dashboard/metrics/refund_rate_count/market/US/?month={month_of(store)}").context["page"]
    assert page["row"]["text"] == "66.67%"
    assert [(r["code"], r["refunds"]) for r in page["reasons"]] == [("defective", 1), ("Scratched", 1)]


def test_a_market_named_after_a_country_is_that_country_in_the_managers_language(client, manager_user, store):
    from aftersales.models import Market

    Market.objects.create(code="EU-W", name="EU warehouse", countries=["NL"], currency="EUR", languages=["en"],
                          legal_profile="EU")  # a name of the store's own: shown as written
    client.force_login(manager_user)
    m = month_of(store)
    stored = MonthlyAudit.objects.get(month=store.month).breakdowns["refund_rate_count"]["market"]
    assert [row["label"] for row in stored] == ["United States"]  # the audit keeps the name as it was
    for language, name in [("de", "Vereinigte Staaten"), ("fr", "États-Unis"), ("zh-hans", "美国"),
                           ("en", "United States")]:
        page = client.get(f"/dashboard/metrics/refund_rate_count/?month={m}&dimension=market",
                          HTTP_ACCEPT_LANGUAGE=language)
        assert [row["label"] for row in page.context["page"]["rows"]] == [name], language
        content = page.content.decode()
        assert f'<option value="US">{name}</option>' in content  # the market filter
        assert '<option value="EU-W">EU warehouse</option>' in content
        row = client.get(f"/dashboard/metrics/refund_rate_count/market/US/?month={m}", HTTP_ACCEPT_LANGUAGE=language)
        assert row.context["page"]["row_label"] == name, language


def test_a_row_of_another_metric_breaks_it_down_within_the_row_and_exports_that(client, manager_user, store):
    client.force_login(manager_user)
    m = month_of(store)
    response = client.get(f"/dashboard/metrics/refund_promise_compliance/market/US/?month={m}")
    page = response.context["page"]
    assert (page["row"]["text"], page["row"]["status"]) == ("100.00%", "green")
    assert page["reasons"] == []
    assert [(part["dimension"], [(r["code"], r["text"]) for r in part["rows"]]) for part in page["within"]] == [
        ("reason", [("defective", "100.00%")]), ("channel", [("api", "100.00%")]),
        ("provider", [("stripe", "100.00%")])]
    assert page["within"][0]["rows"][0]["url"] == (
        f"/dashboard/metrics/refund_promise_compliance/reason/defective/?market=US&month={m}")
    exported = client.get(f"/dashboard/metrics/refund_promise_compliance/market/US/?month={m}&format=csv")
    assert exported.content.decode() == BOM + (
        "month,metric,dimension,code,within,within_code,label,value,numerator,denominator,share\r\n"
        f"{m},refund_promise_compliance,market,US,reason,defective,Defective or damaged,100.00,1,1,\r\n"
        f"{m},refund_promise_compliance,market,US,channel,api,Store API,100.00,1,1,\r\n"
        f"{m},refund_promise_compliance,market,US,provider,stripe,Stripe,100.00,1,1,\r\n")


def test_csv_of_the_twelve_month_trend(client, manager_user, store):
    client.force_login(manager_user)
    lines = client.get("/dashboard/?format=csv&table=trend").content.decode().removeprefix(BOM).split("\r\n")
    assert lines[0] == "month,metric,label,unit,value,status"
    months = drilldown.trend_months()
    assert lines[1:13] == [
        f"{month:%Y-%m},refund_rate_amount,Refund rate (amount),percent,"
        + ("23.33,red" if month == store.month else ",no_data") for month in months]
    assert len(lines) == 1 + 12 * 11 + 1


def test_filters_are_kept_in_every_link_and_a_wrong_one_is_named(client, manager_user, store):
    client.force_login(manager_user)
    m = month_of(store)
    page = client.get("/dashboard/?market=US").context["page"]
    refund = next(row for row in page["rows"] if row["key"] == "refund_rate_amount")
    assert refund["closed"]["text"] == "23.33%"
    assert refund["closed_url"] == f"/dashboard/metrics/refund_rate_amount/?market=US&month={m}"
    assert page["csv_url"] == "/dashboard/?market=US&format=csv"
    empty = client.get("/dashboard/?provider=paypal").context["page"]
    assert next(r for r in empty["rows"] if r["key"] == "refund_rate_amount")["closed"]["status"] == "no_data"
    wrong = client.get("/dashboard/?market=XX")
    assert b'data-testid="filter-errors"' in wrong.content
    assert next(r for r in wrong.context["page"]["rows"] if r["key"] == "refund_rate_amount")["closed"][
        "text"] == "23.33%"  # the wrong filter is ignored, not applied as "nothing"


def test_a_single_filter_reads_the_stored_breakdown_and_agrees_with_a_live_computation(store):
    audit = MonthlyAudit.objects.get(month=store.month)
    for filters in (drilldown.m.Filters(market="US"), drilldown.m.Filters(provider="stripe"),
                    drilldown.m.Filters(channel="api"), drilldown.m.Filters(channel="whatsapp")):
        stored = drilldown.stored_values(audit, filters)
        start, end = drilldown.m.month_bounds(store.month)
        live = drilldown.m.period_metrics(start=start, end=end, filters=filters)
        assert {k: (v.value, v.status) for k, v in stored.items()} == {
            k: (v.value, v.status) for k, v in live.items()}, filters


def test_stored_explanations_are_worded_again_from_the_stored_breakdowns_in_another_language(store):
    audit = MonthlyAudit.objects.get(month=store.month)
    assert drilldown.stored_explanations(audit, "en") is audit.explanations
    # English of another region: worded again from the stored rows, the same sentences as computed.
    assert drilldown.stored_explanations(audit, "en-au") == audit.explanations
    assert set(audit.explanations) == {"refund_rate_amount", "refund_rate_count"}
    # Chinese: the lamp's own leading reason, stored with its row, named in Chinese.
    lamp = audit.breakdowns["refund_rate_amount"]["sku"][0]
    assert (lamp["code"], lamp["reason"], lamp["reason_label"]) == ("LAMP-01", "defective", "Defective or damaged")
    with translation.override("zh-hans"):
        label = drilldown.m._labels("refund_rate_amount", "reason", ["defective"])["defective"]
    assert label != "Defective or damaged"
    [first, *_] = drilldown.stored_explanations(audit, "zh-hans")["refund_rate_amount"]
    assert "LAMP-01" in first, first
    assert f"“{label}”" in first, first


# -- exports -----------------------------------------------------------------------------------------------------

def test_csv_of_the_breakdown_reasons_and_cases_exactly(client, manager_user, store):
    client.force_login(manager_user)
    m = month_of(store)
    breakdown = client.get(f"/dashboard/metrics/refund_rate_amount/?month={m}&dimension=sku&format=csv")
    assert breakdown["Content-Type"] == "text/csv; charset=utf-8"
    assert breakdown["Content-Disposition"] == f'attachment; filename="refund_rate_amount-sku-{m}.csv"'
    assert breakdown.content.decode() == BOM + (
        "month,metric,dimension,code,label,value,numerator,denominator,share,leading_reason,leading_reason_label\r\n"
        f"{m},refund_rate_amount,sku,LAMP-01,LAMP-01 · Nordic LED table lamp,40.00,6000,15000,85.71,defective,"
        "Defective or damaged\r\n"
        f"{m},refund_rate_amount,sku,MUG-01,MUG-01 · Stoneware mug,6.67,1000,15000,14.29,Scratched,Scratched\r\n")
    by_market = client.get(f"/dashboard/metrics/refund_rate_amount/?month={m}&dimension=market&format=csv")
    assert by_market.content.decode().startswith(BOM + "month,metric,dimension,code,label,value,numerator,"
                                                       "denominator,share\r\n")  # no reasons but by SKU
    reasons = client.get(f"/dashboard/metrics/refund_rate_amount/sku/LAMP-01/?month={m}&format=csv")
    assert reasons.content.decode() == BOM + (
        "month,metric,dimension,code,reason,reason_label,refunds,orders,amount_minor,currency,share\r\n"
        f"{m},refund_rate_amount,sku,LAMP-01,defective,Defective or damaged,1,1,5000,USD,83.33\r\n"
        f"{m},refund_rate_amount,sku,LAMP-01,Scratched,Scratched,1,1,1000,USD,16.67\r\n")
    cases = client.get(f"/dashboard/metrics/refund_rate_amount/sku/LAMP-01/cases/?month={m}&format=csv")
    case_time = store.case_refund.succeeded_at.astimezone(drilldown.store_tz()).isoformat(timespec="seconds")
    goodwill_time = store.goodwill_refund.succeeded_at.astimezone(drilldown.store_tz()).isoformat(
        timespec="seconds")
    assert cases.content.decode() == BOM + (
        "refunded_at,order,market,amount_minor,currency,cause,reason,reason_label,rma,case_status\r\n"
        f"{goodwill_time},#C-1,US,2000,USD,goodwill,Scratched,Scratched,,\r\n"
        f"{case_time},#A-1,US,5000,USD,return,defective,Defective or damaged,R-LAMPCASE1,resolved\r\n")


def test_csv_of_the_overview_with_its_filters(client, manager_user, store):
    client.force_login(manager_user)
    m, live = month_of(store), f"{store.live:%Y-%m}"
    lines = client.get("/dashboard/?market=US&format=csv").content.decode().removeprefix(BOM).split("\r\n")
    assert lines[0] == "month,period,metric,label,unit,value,numerator,denominator,status"
    assert lines[1] == f"{m},closed,refund_rate_amount,Refund rate (amount),percent,23.33,7000,30000,red"
    assert lines[2] == f"{m},closed,refund_rate_count,Refund rate (orders),percent,66.67,2,3,red"
    assert lines[12] == f"{live},live,refund_rate_amount,Refund rate (amount),percent,,0,0,no_data"
    assert len(lines) == 1 + 2 * 11 + 1  # header, eleven metrics per month, the final line break
    factories.market("DE")  # a market without sales
    other = client.get("/dashboard/?market=DE&format=csv").content.decode().split("\r\n")
    assert other[1] == f"{m},closed,refund_rate_amount,Refund rate (amount),percent,,,,no_data"


def test_the_pdf_report_in_english(client, manager_user, store):
    client.force_login(manager_user)
    response = client.get(f"/dashboard/reports/{month_of(store)}.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="audit-{month_of(store)}.pdf"'
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    month = store.month.strftime("%B %Y")
    for expected in (f"After-sales report {month}", "Refund rate (amount)", "23.33%", "warning from",
                     f"{drilldown.m.metric('refund_rate_amount').thresholds.red:.2f}%", "Alert",
                     "SKU LAMP-01 drove 86 % of refunds", "LAMP-01 · Nordic LED table lamp", "85.71%",
                     "Leading reason", "Defective or damaged"):
        assert expected in text, expected
    assert b"/FontFile2" not in response.content  # Helvetica: nothing to embed


def test_a_stored_month_names_reason_codes_and_channels_in_the_reader_s_language(client, manager_user, store):
    """Stored rows keep the labels of the store's language; codes whose names are the product's own words are
    named again in the reader's (free-text reasons stay as written)."""
    client.force_login(manager_user)
    m = month_of(store)
    with translation.override("zh-hans"):
        defective = drilldown.m._labels("refund_rate_amount", "reason", ["defective"])["defective"]
        api = drilldown.m._labels("refund_rate_amount", "channel", ["api"])["api"]
    assert defective != "Defective or damaged"
    page = client.get(f"/dashboard/metrics/refund_rate_amount/?month={m}&dimension=reason",
                      HTTP_ACCEPT_LANGUAGE="zh-hans").context["page"]
    assert [(r["code"], r["label"]) for r in page["rows"]] == [("defective", defective), ("Scratched", "Scratched")]
    channels = client.get(f"/dashboard/metrics/refund_rate_amount/?month={m}&dimension=channel",
                          HTTP_ACCEPT_LANGUAGE="zh-hans").context["page"]
    assert [r["label"] for r in channels["rows"]] == [api]
    pdf = pdf_text(client.get(f"/dashboard/reports/{m}.pdf", HTTP_ACCEPT_LANGUAGE="zh-hans").content)
    assert pdf.count(defective) >= 2, pdf  # the lamp's leading reason, and the reason table's row


def test_the_pdf_report_in_chinese_embeds_a_chinese_font(client, manager_user, store):
    client.force_login(manager_user)
    response = client.get(f"/dashboard/reports/{month_of(store)}.pdf", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.content.startswith(b"%PDF-")
    assert b"/FontFile2" in response.content
    assert b"WenQuanYiZenHei" in response.content
    text = pdf_text(response.content)
    assert f"{store.month.year}年{store.month.month}月" in text  # the month, written the Chinese way
    assert "23.33%" in text
    assert "LAMP-01 · Nordic LED table lamp" in text
    with translation.override("zh-hans"):
        assert gettext("Leading reason") in text  # the SKU table's column, in Chinese


# -- query counts ------------------------------------------------------------------------------------------------

def _more_data(store, n):
    """``n`` more SKUs in the closed month, each sold and refunded: more breakdown rows, more refunds."""
    for k in range(n):
        product = Product.objects.create(sku=f"EXTRA-{k}", name=f"Extra {k}")
        order = _order(f"#X-{k}", store.month, [(product, 10000), (Product.objects.get(sku="LAMP-01"), 10000)])
        _refund(order, 3000, at(store.month, 20) + timedelta(minutes=k), cause=RefundCause.GOODWILL,
                reason="Scratched")


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("path", [
    "/dashboard/", "/dashboard/?market=US", "/dashboard/?market=US&provider=stripe",
    "/dashboard/metrics/refund_rate_amount/?month={m}&dimension=sku",
    "/dashboard/metrics/refund_rate_amount/?month={m}&dimension=sku&market=US",
    "/dashboard/metrics/refund_rate_amount/sku/LAMP-01/?month={m}",
    "/dashboard/metrics/refund_rate_count/market/US/?month={m}",
    "/dashboard/metrics/refund_promise_compliance/market/US/?month={m}",
    "/dashboard/?format=csv&table=trend",
    "/dashboard/metrics/refund_rate_amount/sku/LAMP-01/cases/?month={m}",
    "/dashboard/metrics/refund_rate_amount/sku/LAMP-01/cases/?month={m}&format=csv",
])
def test_query_count_does_not_grow_with_the_rows_shown(client, manager_user, store, django_assert_num_queries,
                                                        path):
    client.force_login(manager_user)
    url = path.format(m=month_of(store))
    before = _queries(client, url)
    _more_data(store, 6)
    services.audit_month(store.month, recompute=True, alerts=False)
    with django_assert_num_queries(before):
        assert client.get(url).status_code == 200


def test_disputes_past_their_deadline_and_risk_alerts_are_shown_to_the_manager(client, manager_user):
    from django.utils import timezone

    from disputes.models import Dispute, DisputeAlert
    from disputes.services import disputes_scan

    now = timezone.now()
    late = Dispute.objects.create(
        provider="paypal", provider_id="PP-D-LATE", reason="product_not_received", status="needs_response",
        amount_minor=4990, currency="EUR", opened_at=now - timedelta(days=9), respond_by=now + timedelta(days=1),
        internal_deadline=now - timedelta(hours=3))
    Dispute.objects.create(
        provider="stripe", provider_id="dp_in_time", reason="fraudulent", status="needs_response", amount_minor=100,
        currency="USD", opened_at=now, respond_by=now + timedelta(days=9), internal_deadline=now + timedelta(days=7))
    client.force_login(manager_user)
    assert b'data-testid="dispute-incidents"' not in client.get("/dashboard/").content  # not flagged before the scan

    disputes_scan(now=now)
    assert DisputeAlert.objects.filter(dispute=late, kind=DisputeAlert.Kind.OVERDUE_INCIDENT).count() == 1
    response = client.get("/dashboard/")
    assert [d.provider_id for d in response.context["incidents"]] == ["PP-D-LATE"]
    page = response.content.decode()
    assert 'data-testid="dispute-incidents"' in page
    assert f'href="/desk/disputes/{late.pk}/"' in page
    assert "dp_in_time" not in page


def test_a_manager_sees_the_first_response_time_move_when_an_agent_answers(client, agent_user, manager_user):
    """Issue 7's "done": an agent answers a ticket on the desk and the dashboard's month so far shows it (a Tuesday
    in business hours, so the 25 minutes are business minutes too)."""
    from datetime import UTC, datetime

    import time_machine
    from django.test import Client

    from tickets.models import Message, Ticket

    asked = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)
    with time_machine.travel(asked, tick=False):
        ticket = Ticket.objects.create(customer=factories.customer(), channel="webchat", subject="Where is it?",
                                       contact="a@b.example", first_inbound_at=asked, last_inbound_at=asked,
                                       last_message_at=asked, awaiting_reply_since=asked)
        Message.objects.create(ticket=ticket, direction="inbound", channel="webchat", body="Where is my lamp?")
    client.force_login(manager_user)
    agent = Client()
    agent.force_login(agent_user)
    with time_machine.travel(asked + timedelta(minutes=25), tick=False):
        before = client.get("/dashboard/").context["data"].current.values["first_response_median"]
        assert agent.post(f"/desk/tickets/{ticket.number}/reply/", {"body": "It left our warehouse today.",
                                                                   "client_key": "k1"}).status_code == 302
        after = client.get("/dashboard/").context["data"].current.values["first_response_median"]
    assert (before.value, before.status) == (None, "no_data")
    ticket.refresh_from_db()
    assert ticket.first_response_minutes == 25
    assert after.value == Decimal("25.0")
    assert after.status == "green"
