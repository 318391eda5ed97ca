"""Exports of the manager dashboard: CSV of every table, and the monthly report as a PDF.

Decisions:

* CSV: one header row of fixed, English column names (a spreadsheet formula or a script keeps working whatever
  the manager's language), values as the database holds them (``"2.50"`` percent, minor units with the currency
  code beside them, codes next to their translated labels), UTF-8 with a byte-order mark so that Excel opens
  Chinese labels correctly. The same filters as the page: the CSV is the table the manager is looking at.
* PDF: the *stored* audit of a month (an immutable report, so the PDF of May reads the same next year), in the
  manager's language: reportlab with WenQuanYi Zen Hei (Debian ``fonts-wqy-zenhei``) embedded as a subset for
  Chinese — any reader shows it, with or without Chinese fonts installed — and Helvetica for the Latin
  languages. Without the font file the report falls back to Helvetica (Chinese text would then not render; the
  Debian package is installed in the image and in CI). Explanations are worded in the manager's language from
  the audit's stored breakdowns (``drilldown.stored_explanations``), never from today's data.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from aftersales.models import MonthlyAudit

from . import display, drilldown
from . import metrics as m

CJK_FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
CJK_FONT_NAME = "WenQuanYiZenHei"
REPORT_TOP_ROWS = 5  # rows of each breakdown printed in the PDF


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list]


def _text(value) -> str:
    if value is None:
        return ""
    return str(value)


def csv_bytes(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.header)
    for row in table.rows:
        writer.writerow([_text(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def csv_response(table: Table, filename: str) -> HttpResponse:
    response = HttpResponse(csv_bytes(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# -- the tables ------------------------------------------------------------------------------------------------

def overview_table(data: drilldown.Overview) -> Table:
    """Every metric of the last closed month and of the month so far."""
    rows = []
    for figures in (data.closed, data.current):
        for definition in m.METRICS:
            value = figures.values.get(definition.key)
            rows.append([f"{figures.month:%Y-%m}", "live" if figures.live else "closed", definition.key,
                         str(definition.label), definition.unit, value.value if value else None,
                         value.numerator if value else None, value.denominator if value else None,
                         value.status if value else "no_data"])
    return Table(["month", "period", "metric", "label", "unit", "value", "numerator", "denominator", "status"], rows)


def breakdown_table(page: dict) -> Table:
    """One metric by one dimension; a refund rate by SKU adds each SKU's leading reason (code and label)."""
    reasons = ["leading_reason", "leading_reason_label"] if page.get("reasons") else []
    return Table(["month", "metric", "dimension", "code", "label", "value", "numerator", "denominator", "share",
                  *reasons],
                 [[f"{page['month']:%Y-%m}", page["key"], page["dimension"], row["code"], row["label"], row["value"],
                   row["numerator"], row["denominator"], row["share"],
                   *([row["reason"], row["reason_label"]] if reasons else [])] for row in page["rows"]])


def trend_table(data: drilldown.Overview) -> Table:
    """The twelve months of every metric, as the trend charts draw them (money in minor units)."""
    rows = []
    for definition in m.METRICS:
        for month in data.months:
            figures = data.figures.get(month)
            value = figures.values.get(definition.key) if figures else None
            rows.append([f"{month:%Y-%m}", definition.key, str(definition.label), definition.unit,
                         value.value if value else None, value.status if value else "no_data"])
    return Table(["month", "metric", "label", "unit", "value", "status"], rows)


def row_trend_table(page: dict) -> Table:
    """One breakdown row over the trend's months, as its chart draws it (money in minor units; no value: the row is
    not in that month's breakdown)."""
    key = page["key"]
    rows = []
    for figures in page["year"]:
        value = figures.values.get(key)
        rows.append([f"{figures.month:%Y-%m}", key, page["dimension"], page["code"],
                     value.value if value else None, value.status if value else "no_data"])
    return Table(["month", "metric", "dimension", "code", "value", "status"], rows)


def row_table(page: dict) -> Table:
    """The refunds behind one breakdown row by reason (by SKU for a reason row); for another metric, the metric
    within the row by each other dimension."""
    if not page["refund_side"]:
        return Table(["month", "metric", "dimension", "code", "within", "within_code", "label", "value",
                      "numerator", "denominator", "share"],
                     [[f"{page['month']:%Y-%m}", page["key"], page["dimension"], page["code"], part["dimension"],
                       row["code"], row["label"], row["value"], row["numerator"], row["denominator"], row["share"]]
                      for part in page["within"] for row in part["rows"]])
    sub = "sku" if page["dimension"] == "reason" else "reason"
    return Table(["month", "metric", "dimension", "code", sub, f"{sub}_label", "refunds", "orders", "amount_minor",
                  "currency", "share"],
                 [[f"{page['month']:%Y-%m}", page["key"], page["dimension"], page["code"], row["code"], row["label"],
                   row["refunds"], row["orders"], row["amount_minor"], row["currency"], row["share"]]
                  for row in page["reasons"]])


def cases_table(page: dict) -> Table:
    """The refunds behind a row, each with the return case it paid for (the page shown: 50 rows)."""
    return Table(["refunded_at", "order", "market", "amount_minor", "currency", "cause", "reason", "reason_label",
                  "rma", "case_status"],
                 [[row["succeeded_at"].isoformat(timespec="seconds") if row["succeeded_at"] else "", row["order"],
                   row["market"], row["amount_minor"], row["currency"], row["cause"], row["reason"],
                   row["reason_label"], row["rma"], row["case_status"]] for row in page["cases"]])


def tickets_table(page: dict) -> Table:
    """The tickets behind a row of a ticket metric (all of them in the CSV)."""
    return Table(["at", "ticket", "channel", "order", "market", "agent", "complaint_category", "repeat",
                  "first_response_minutes", "csat_score", "csat_comment"],
                 [[row["at"].isoformat(timespec="seconds") if row["at"] else "", row["number"], row["channel"],
                   row["order"] or "", row["market"] or "", row["agent"], row["category"],
                   "" if row["repeat"] is None else int(row["repeat"]),
                   "" if row["minutes"] is None else row["minutes"], "" if row["score"] is None else row["score"],
                   row["comment"]] for row in page["tickets"]])


def records_table(page: dict) -> Table:
    """The rows behind a row of a dispute rate, refunds paid on time or returnless savings (all in the CSV)."""
    return Table([column["key"] for column in page["columns"]],
                 [[cell["csv"] for cell in record] for record in page["records"]])


# -- the PDF report --------------------------------------------------------------------------------------------

@cache
def _cjk_font() -> str | None:
    """Register WenQuanYi Zen Hei (first face of the collection) once; None when the file is missing."""
    if not os.path.exists(CJK_FONT_PATH):
        return None
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(CJK_FONT_NAME, CJK_FONT_PATH, subfontIndex=0))
    return CJK_FONT_NAME


def report_fonts(language: str) -> tuple[str, str, bool]:
    """(regular, bold, CJK line breaking) for a language."""
    if language.lower().startswith("zh"):
        font = _cjk_font()
        if font:
            return font, font, True
    return "Helvetica", "Helvetica-Bold", False


def monthly_report_pdf(audit: MonthlyAudit, language: str) -> bytes:
    """The stored audit of one month as an A4 report in ``language``."""
    from xml.sax.saxutils import escape as xml_escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as PdfTable

    regular, bold, cjk = report_fonts(language)
    wrap = "CJK" if cjk else None
    body = ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=13, wordWrap=wrap)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=11, textColor=colors.HexColor("#555555"))
    title = ParagraphStyle("title", parent=body, fontName=bold, fontSize=18, leading=23, spaceAfter=4)
    heading = ParagraphStyle("heading", parent=body, fontName=bold, fontSize=12.5, leading=16, spaceBefore=10,
                             spaceAfter=4)
    cell_bold = ParagraphStyle("cellbold", parent=body, fontName=bold)
    status_colours = {"green": "#198754", "amber": "#b35c00", "red": "#c62828"}

    def para(text, style=body):
        return Paragraph(xml_escape(str(text)), style)

    values = audit.metric_values()
    buffer = io.BytesIO()
    with override(language):
        month = display.month_label(audit.month, language)
        doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                                bottomMargin=16 * mm, title=_("After-sales report %(month)s") % {"month": month},
                                author=settings.STORE_NAME, lang=language)
        story = [para(_("After-sales report %(month)s") % {"month": month}, title),
                 para(_("%(store)s · revision %(revision)s, computed %(computed)s · amounts in %(currency)s · "
                        "months cut in %(tz)s") % {
                     "store": settings.STORE_NAME, "revision": audit.revision,
                     "computed": timezone.localtime(audit.computed_at).strftime("%Y-%m-%d %H:%M"),
                     "currency": audit.base_currency, "tz": audit.time_zone}, small),
                 Spacer(1, 4 * mm), para(_("Metrics"), heading)]
        rows = [[para(_("Metric"), cell_bold), para(_("Value"), cell_bold), para(_("Threshold"), cell_bold),
                 para(_("Status"), cell_bold)]]
        styles = [("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#cccccc")),
                  ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1f3f5")),
                  ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
        for index, definition in enumerate(m.METRICS, start=1):
            value = values.get(definition.key)
            status = value.status if value else "no_data"
            rows.append([para(definition.label), para(display.format_value(value.value if value else None,
                                                                            definition.unit, language)),
                         para(display.threshold_text(definition, language) or "—"),
                         para(display.status_label(status))])
            if status in status_colours:
                styles.append(("TEXTCOLOR", (3, index), (3, index), colors.HexColor(status_colours[status])))
        table = PdfTable(rows, colWidths=[60 * mm, 28 * mm, 56 * mm, 30 * mm], repeatRows=1)
        table.setStyle(TableStyle(styles))
        story.append(table)

        worded = drilldown.stored_explanations(audit, language)
        explained = [(d, worded.get(d.key) or []) for d in m.METRICS
                     if values.get(d.key) and values[d.key].status in ("red", "amber")]
        if explained:
            story.append(para(_("Why"), heading))
            for definition, sentences in explained:
                story.append(para(definition.label, cell_bold))
                for sentence in sentences or [_("No single contributor stands out.")]:
                    story.append(para("· " + sentence))
                story.append(Spacer(1, 2 * mm))

        for definition in m.METRICS:
            breakdowns = audit.breakdowns.get(definition.key) or {}
            if not (values.get(definition.key) and values[definition.key].status in ("red", "amber")):
                continue
            for dimension in ("sku", "reason", "market", "provider", "channel", "agent"):
                top = (breakdowns.get(dimension) or [])[:REPORT_TOP_ROWS]
                if not top:
                    continue
                story.append(para(f"{definition.label} · {display.DIMENSION_LABELS[dimension]}", heading))
                reasons = any(row.get("reason") for row in top)  # a refund rate by SKU: each SKU's leading reason
                lines = [[para(display.DIMENSION_LABELS[dimension], cell_bold), para(_("Value"), cell_bold),
                          para(_("Share"), cell_bold), *([para(_("Leading reason"), cell_bold)] if reasons else [])]]
                for row in top:
                    value = drilldown.decimal_of(row.get("value"))
                    reason = [para(m.reason_label(definition.key, row))] if reasons else []
                    lines.append([para(m.row_label(definition.key, dimension, row)),
                                  para(display.format_value(value, definition.unit, language)),
                                  para(display.share_text(drilldown.decimal_of(row.get("share")), language)), *reason])
                widths = [70 * mm, 26 * mm, 26 * mm, 52 * mm] if reasons else [100 * mm, 37 * mm, 37 * mm]
                part = PdfTable(lines, colWidths=widths, repeatRows=1)
                part.setStyle(TableStyle(styles[:3]))
                story.append(part)
        doc.build(story)
    return buffer.getvalue()
