"""The printable return slip: one A4 PDF with the RMA as a QR code and a Code 128 barcode, the return address
and the items, in the customer's language (reportlab; fonts that cover Chinese are registered when present)."""

from __future__ import annotations

import io

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import code128
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

CJK_FONT = "STSong-Light"  # a CID font every PDF reader ships: Chinese without embedding a font file
_registered = False


def _fonts(language: str) -> tuple[str, str]:
    global _registered
    if language.startswith("zh"):
        if not _registered:
            pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
            _registered = True
        return CJK_FONT, CJK_FONT
    return "Helvetica", "Helvetica-Bold"


def render_slip(case, address: str) -> bytes:
    language = case.language if case.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    page.setTitle(f"{case.rma} · {settings.STORE_NAME}")
    width, height = A4
    regular, bold = _fonts(language)
    with translation.override(language):
        page.setFont(bold, 20)
        page.drawString(20 * mm, height - 25 * mm, _("Return slip"))
        page.setFont(bold, 28)
        page.drawString(20 * mm, height - 40 * mm, case.rma)
        page.setFont(regular, 11)
        page.drawString(20 * mm, height - 48 * mm, _("Order %(number)s") % {"number": case.order.number})

        qr = QrCodeWidget(case.rma)
        x0, y0, x1, y1 = qr.getBounds()
        size = 40 * mm
        drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
        drawing.add(qr)
        renderPDF.draw(drawing, page, width - 20 * mm - size, height - 20 * mm - size)
        barcode = code128.Code128(case.rma, barHeight=14 * mm, barWidth=0.45 * mm)
        barcode.drawOn(page, 16 * mm, height - 70 * mm)

        y = height - 85 * mm
        page.setFont(bold, 12)
        page.drawString(20 * mm, y, _("Send the parcel to"))
        page.setFont(regular, 11)
        for line in (address or _("The address is in your confirmation email.")).splitlines():
            y -= 6 * mm
            page.drawString(20 * mm, y, line)
        y -= 12 * mm
        page.setFont(bold, 12)
        page.drawString(20 * mm, y, _("In the parcel"))
        page.setFont(regular, 11)
        for item in case.lines.all():
            y -= 6 * mm
            page.drawString(20 * mm, y, f"{item.quantity} × {item.order_line.sku} · {item.order_line.title}"[:95])
        y -= 14 * mm
        page.setFont(regular, 10)
        for line in (_("Put this slip inside the parcel and write %(rma)s on the outside.") % {"rma": case.rma},
                     _("Keep the proof of postage until your refund arrives.")):
            page.drawString(20 * mm, y, line)
            y -= 5 * mm
    page.showPage()
    page.save()
    return buffer.getvalue()


__all__ = ["render_slip"]
