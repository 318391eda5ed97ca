"""The manager dashboard (``/dashboard/``): the month overview, one metric by a dimension, one row of it, the
return cases behind a row, and the exports (CSV of every table with ``?format=csv``, the monthly PDF report).

Thin views: read the filters, ask ``aftersales.audit.pages`` for the page, render or export it; a parameter that
is not understood is named in a message and the page shows its default. Managers and superusers only
(``aftersales.access_dashboard``); an agent gets 403, an anonymous visitor the login page.
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from aftersales.audit import drilldown, exports, pages
from aftersales.audit import metrics as m
from aftersales.dashboard_forms import DashboardFilterForm
from disputes import api as disputes_api

manager_required = permission_required("aftersales.access_dashboard", raise_exception=True)


def _language() -> str:
    return get_language() or "en"


def _filters(request):
    form = DashboardFilterForm(request.GET or None)
    return form, form.filters()


def _definition(key: str) -> m.MetricDef:
    try:
        return m.metric(key)
    except KeyError:
        raise Http404 from None


def _month(request, default):
    """The ``month`` parameter within the trend's twelve months; anything else is the default month, and the
    manager is told so."""
    text = request.GET.get("month")
    month = drilldown.parse_month(text)
    if month in drilldown.trend_months():
        return month
    if text:
        messages.warning(request, _("“%(month)s” is not one of the last twelve months (YYYY-MM): showing "
                                    "%(shown)s.") % {"month": text, "shown": f"{default:%Y-%m}"})
    return default


def _months(text: str) -> list[date]:
    """``2026-01,2026-02`` → the first days of those months (what is not a month is left out, at most 24)."""
    months = []
    for part in text.split(",")[:24]:
        try:
            months.append(date.fromisoformat(f"{part.strip()}-01"))
        except ValueError:
            continue
    return months


def _row_request(request, key, dimension):
    """What a row page and its cases page read: the metric (404 unless it has ``dimension``), the filters and the
    month (the last closed one unless another of the trend's months is asked for)."""
    definition = _definition(key)
    if dimension not in definition.dimensions:
        raise Http404
    form, filters = _filters(request)
    return definition, form, filters, _month(request, drilldown.trend_months()[-2])


def _wants_csv(request) -> bool:
    return request.GET.get("format") == "csv"


def _whole(request) -> bool:
    """Every trend month computed on the request (an export, or ``whole=1``: the manager would rather wait than
    leave the trend to a worker that has not answered)."""
    return _wants_csv(request) or request.GET.get("whole") == "1"


@login_required
@manager_required
@require_GET
def index(request):
    form, filters = _filters(request)
    if "progress" in request.GET:  # how far the worker is with a page's trend months under these filters (polled)
        return JsonResponse(drilldown.filtered_progress(_months(request.GET["progress"]), filters))
    language = _language()
    data = drilldown.overview(filters, language=language, whole=_whole(request))
    page = pages.overview_page(data, filters, language)
    if _wants_csv(request):
        if request.GET.get("table") == "trend":
            return exports.csv_response(exports.trend_table(data), f"dashboard-trend-{data.current.month:%Y-%m}.csv")
        return exports.csv_response(exports.overview_table(data), f"dashboard-{data.current.month:%Y-%m}.csv")
    return render(request, "aftersales/dashboard/index.html", {
        "form": form, "page": page, "data": data,
        # Disputes that need a manager now: past their deadline without a response, and crossed risk lines.
        "incidents": disputes_api.dispute_incidents(), "risk_alerts": disputes_api.risk_alerts_open()})


@login_required
@manager_required
@require_GET
def metric(request, key):
    definition = _definition(key)
    form, filters = _filters(request)
    language = _language()
    months = drilldown.trend_months()
    month = _month(request, months[-2])
    dimension = request.GET.get("dimension")
    if dimension not in definition.dimensions:
        if dimension:
            messages.warning(request, _("%(metric)s cannot be broken down by “%(dimension)s”.") % {
                "metric": definition.label, "dimension": dimension})
        dimension = definition.dimensions[0]
    page = pages.metric_page(definition, dimension, month, filters, language, whole=_whole(request))
    if _wants_csv(request):
        return exports.csv_response(exports.breakdown_table(page), f"{key}-{dimension}-{month:%Y-%m}.csv")
    return render(request, "aftersales/dashboard/metric.html", {"form": form, "page": page})


@login_required
@manager_required
@require_GET
def row_find(request, key, dimension):
    """The lookup box under a breakdown that shows only its largest rows: opens the row of the code typed (a SKU,
    an agent's id, a reason), in the same month and filters."""
    _definition, _form, filters, month = _row_request(request, key, dimension)
    code = request.GET.get("code", "").strip()
    if code and pages.linkable(code):
        return redirect(reverse("dashboard-row", args=[key, dimension, code])
                        + pages.query_string(filters, month=f"{month:%Y-%m}"))
    if code:
        messages.warning(request, _("“%(code)s” cannot be opened as a row.") % {"code": code})
    return redirect(reverse("dashboard-metric", args=[key])
                    + pages.query_string(filters, month=f"{month:%Y-%m}", dimension=dimension))


@login_required
@manager_required
@require_GET
def row(request, key, dimension, code):
    definition, form, filters, month = _row_request(request, key, dimension)
    page = pages.row_page(definition, dimension, code, month, filters, _language())
    if _wants_csv(request) and request.GET.get("table") == "trend":
        if not page["year"]:
            raise Http404  # under filters there is no trend of a row to export
        return exports.csv_response(exports.row_trend_table(page), f"{key}-{dimension}-{code}-trend.csv")
    if _wants_csv(request):
        return exports.csv_response(exports.row_table(page), f"{key}-{dimension}-{code}-{month:%Y-%m}.csv")
    return render(request, "aftersales/dashboard/row.html", {"form": form, "page": page})


def _rows_below(key: str):
    """How the rows behind a row of ``key`` are built, exported and shown: the refunds and return cases of a
    refund rate, the tickets of a ticket metric, the disputes, return refunds or items kept of the others."""
    if key in drilldown.REFUND_METRICS:
        return pages.cases_page, exports.cases_table, "cases", "cases.html"
    if key in drilldown.TICKET_METRICS:
        return pages.tickets_page, exports.tickets_table, "tickets", "tickets.html"
    if key in pages.RECORDS:
        return pages.records_page, exports.records_table, "rows", "records.html"
    raise Http404


@login_required
@manager_required
@require_GET
def cases(request, key, dimension, code):
    build, table, name, template = _rows_below(key)
    definition, form, filters, month = _row_request(request, key, dimension)
    narrowed = ({"reason": request.GET.get("reason", ""), "sku": request.GET.get("sku", "")}
                if key in drilldown.REFUND_METRICS else {})
    page = build(definition, dimension, code, month, filters, _language(), page=request.GET.get("page"),
                 all_rows=_wants_csv(request), **narrowed)
    if _wants_csv(request):
        return exports.csv_response(table(page), f"{key}-{dimension}-{code}-{name}-{month:%Y-%m}.csv")
    return render(request, f"aftersales/dashboard/{template}", {"form": form, "page": page})


@login_required
@manager_required
@require_GET
def report_pdf(request, month):
    """The stored audit of one month as a PDF in the manager's language (404 when the month has none)."""
    chosen = drilldown.parse_month(month)
    audit = drilldown.newest_audits([chosen], with_breakdowns=True).get(chosen) if chosen else None
    if audit is None:
        raise Http404
    return exports.pdf_response(exports.monthly_report_pdf(audit, _language()), f"audit-{audit.month:%Y-%m}.pdf")
