"""Rendering the evidence packet's documents to PDF with reportlab (``disputes.evidence`` decides what goes in).

A document is a list of ``Section`` blocks (headings, paragraphs, key/value tables, tables, images, notes); the same
blocks render a document on its own and as part of the whole packet, so page numbers in the packet's table of
contents are the documents' own page counts.

Decisions:

* **Deterministic output.** Every canvas is ``invariant`` (no creation date, fixed document id), so the same content
  gives the same bytes and the same SHA-256: a rebuild with nothing new writes nothing.
* **Fonts.** Western European text (WinAnsi: Latin-1, €, typographic quotes) uses the PDF base fonts (nothing
  embedded). Any other character (Chinese, Cyrillic, …) switches the whole document to WenQuanYi Zen Hei
  (``fonts-wqy-zenhei``, subset-embedded); where that font file is missing, to the CID font STSong-Light that every
  PDF reader ships (Chinese only, nothing embedded).
* **Images** are decoded with Pillow, flattened to RGB, downscaled to ``ImageQuality.max_px`` on the long side and
  re-encoded as JPEG at ``ImageQuality.quality`` (reportlab passes JPEG through unchanged), so a 12-megapixel phone
  photo costs a few hundred kilobytes. Each image is drawn at most half a page high.
* Text from customers is escaped before it reaches reportlab's paragraph markup.
* **Uploaded PDFs** are appended page for page to the one-PDF packet with pypdf (``merge``), which adds no date and
  no file identifier, so the merged packet is as deterministic as its parts.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import zlib
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from django.core.files.storage import default_storage
from django.utils.translation import gettext
from PIL import Image as PILImage
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

logger = logging.getLogger(__name__)

WQY_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
CJK_TTF, CJK_CID = "WQYZenHei", "STSong-Light"
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN
MAX_IMAGE_HEIGHT = (PAGE_HEIGHT - 2 * MARGIN) / 2 - 12 * mm


@dataclass(frozen=True)
class ImageQuality:
    max_px: int = 1400
    quality: int = 70


# Tried in order until the whole packet fits Stripe's 4.5 MB (``disputes.evidence``).
IMAGE_LEVELS = (ImageQuality(1400, 70), ImageQuality(1000, 60), ImageQuality(700, 50), ImageQuality(450, 40))


@dataclass(frozen=True)
class Block:
    kind: str  # "h", "p", "note", "kv", "table", "image", "break"
    text: str = ""
    rows: tuple = ()
    ref: str = ""  # an image: its name in the default storage (content-addressed, so it also fingerprints it)


@dataclass
class Section:
    title: str
    blocks: list[Block] = field(default_factory=list)

    def h(self, text):
        self.blocks.append(Block("h", text=str(text)))

    def p(self, text):
        self.blocks.append(Block("p", text=str(text)))

    def note(self, text):
        self.blocks.append(Block("note", text=str(text)))

    def kv(self, rows):
        self.blocks.append(Block("kv", rows=tuple((str(k), str(v)) for k, v in rows if v not in (None, ""))))

    def table(self, header, rows):
        self.blocks.append(Block("table", rows=(tuple(str(c) for c in header),
                                                *(tuple(str(c) for c in row) for row in rows))))

    def image(self, storage_name: str, caption: str = ""):
        self.blocks.append(Block("image", text=str(caption), ref=storage_name))

    def fingerprint(self) -> str:
        """A digest of the content (images by their content-addressed names): same digest, same PDF."""
        digest = hashlib.sha256(self.title.encode())
        for block in self.blocks:
            digest.update(repr((block.kind, block.text, block.rows, block.ref)).encode())
        return digest.hexdigest()


@dataclass(frozen=True)
class Rendered:
    content: bytes
    pages: int


# -- fonts ----------------------------------------------------------------------------------------------------------

_fonts: dict[str, str] = {}


def _unicode_font() -> str:
    """The font for text beyond Latin-1: WenQuanYi Zen Hei if installed, else the CID font STSong-Light."""
    if "unicode" not in _fonts:
        name = CJK_CID
        if os.path.exists(WQY_PATH):
            try:
                pdfmetrics.registerFont(TTFont(CJK_TTF, WQY_PATH, subfontIndex=0))
                name = CJK_TTF
            except Exception:  # a damaged font file: fall back, never fail the packet
                logger.warning("could not load %s; falling back to %s", WQY_PATH, CJK_CID)
        if name == CJK_CID:
            pdfmetrics.registerFont(UnicodeCIDFont(CJK_CID))
        _fonts["unicode"] = name
    return _fonts["unicode"]


def _needs_unicode(sections: list[Section]) -> bool:
    def beyond_latin1(text: str) -> bool:  # the base fonts' WinAnsi encoding: Latin-1 plus €, “ ”, – and a few more
        try:
            text.encode("cp1252")
        except UnicodeEncodeError:
            return True
        return False

    for section in sections:
        if beyond_latin1(section.title):
            return True
        for block in section.blocks:
            if beyond_latin1(block.text) or any(beyond_latin1(cell) for row in block.rows for cell in row):
                return True
    return False


def _styles(sections: list[Section]) -> dict[str, ParagraphStyle]:
    regular, bold = ("Helvetica", "Helvetica-Bold")
    if _needs_unicode(sections):
        regular = bold = _unicode_font()
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=16, leading=20, spaceAfter=6),
        "h": ParagraphStyle("h", fontName=bold, fontSize=11.5, leading=15, spaceBefore=6, spaceAfter=3),
        "p": ParagraphStyle("p", fontName=regular, fontSize=9, leading=12, spaceAfter=3),
        "note": ParagraphStyle("note", fontName=regular, fontSize=8, leading=10, textColor=colors.HexColor("#555555"),
                               spaceAfter=3),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=8, leading=10),
        "cellb": ParagraphStyle("cellb", fontName=bold, fontSize=8, leading=10),
    }


# -- images ---------------------------------------------------------------------------------------------------------

def jpeg_for_pdf(data: bytes, quality: ImageQuality) -> tuple[bytes, int, int]:
    """An image re-encoded as a downscaled RGB JPEG: ``(bytes, width, height)``."""
    with PILImage.open(io.BytesIO(data)) as source:
        source.load()
        image = source
        if image.mode in ("RGBA", "LA", "P"):
            image = image.convert("RGBA")
            background = PILImage.new("RGB", image.size, "white")
            background.paste(image, mask=image.getchannel("A"))
            image = background
        elif image.mode != "RGB":
            image = image.convert("RGB")
        image.thumbnail((quality.max_px, quality.max_px))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality.quality, optimize=True)
        return out.getvalue(), image.width, image.height


# -- rendering ------------------------------------------------------------------------------------------------------

def _paragraph(text: str, style) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _flowables(section: Section, styles, quality: ImageQuality) -> list:
    items: list = [_paragraph(section.title, styles["title"])]
    for block in section.blocks:
        if block.kind == "h":
            items.append(_paragraph(block.text, styles["h"]))
        elif block.kind in ("p", "note"):
            items.append(_paragraph(block.text, styles[block.kind]))
        elif block.kind == "break":
            items.append(PageBreak())
        elif block.kind == "kv" and block.rows:
            table = Table([[_paragraph(k, styles["cellb"]), _paragraph(v, styles["cell"])] for k, v in block.rows],
                          colWidths=[45 * mm, FRAME_WIDTH - 45 * mm])
            table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                       ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#dddddd"))]))
            items.append(table)
        elif block.kind == "table" and block.rows:
            header, *body = block.rows
            data = [[_paragraph(c, styles["cellb"]) for c in header]] + [
                [_paragraph(c, styles["cell"]) for c in row] for row in body]
            table = Table(data, repeatRows=1, colWidths=[FRAME_WIDTH / len(header)] * len(header))
            table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                       ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                                       ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#dddddd"))]))
            items.append(table)
        elif block.kind == "image":
            try:
                with default_storage.open(block.ref, "rb") as stored:
                    jpeg, width, height = jpeg_for_pdf(stored.read(), quality)
            except (OSError, ValueError, PILImage.DecompressionBombError):
                items.append(_paragraph(f"{block.text} ({gettext('the image could not be read')})", styles["note"]))
                continue
            scale = min(FRAME_WIDTH / width, MAX_IMAGE_HEIGHT / height)
            picture = Image(io.BytesIO(jpeg), width=width * scale, height=height * scale)
            items.append(KeepTogether([picture, _paragraph(block.text, styles["note"])]))
        items.append(Spacer(1, 2 * mm))
    return items


def _footer(title: str):
    def draw(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(colors.HexColor("#777777"))
        canvas.drawRightString(PAGE_WIDTH - MARGIN, 10 * mm, str(doc.page))
        canvas.restoreState()
    return draw


def render(sections: list[Section], *, title: str, quality: ImageQuality = IMAGE_LEVELS[0]) -> Rendered:
    """The sections one after another, each starting on a new page."""
    styles = _styles(sections)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN, title=title, author="", subject="", creator="aftersales",
                            invariant=1, pageCompression=1)
    story: list = []
    for position, section in enumerate(sections):
        if position:
            story.append(PageBreak())
        story.extend(_flowables(section, styles, quality))
    doc.build(story, onFirstPage=_footer(title), onLaterPages=_footer(title))
    return Rendered(content=buffer.getvalue(), pages=doc.page)


def count_pages(content: bytes) -> int:
    """Pages of a PDF: the number of page objects, also inside compressed object streams."""
    pattern = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
    pages = len(pattern.findall(content))
    for stream in re.finditer(rb"/Type\s*/ObjStm.*?stream\r?\n", content, re.S):
        start = stream.end()
        end = content.find(b"endstream", start)
        try:
            pages += len(pattern.findall(zlib.decompressobj().decompress(content[start:end])))
        except zlib.error:
            continue
    return pages


def merge(first: bytes, appended: list[bytes], *, title: str) -> Rendered:
    """One PDF: the pages of ``first``, then every page of each of ``appended`` in order, titled ``title``. Raises
    ``MergeFailed`` when pypdf cannot read a part (the uploads' checks are lighter than a full parse)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    try:
        for part in (first, *appended):
            writer.append(PdfReader(io.BytesIO(part)), import_outline=False)
    except Exception as error:  # an uploaded file's bytes can make a parser fail in any way
        raise MergeFailed(type(error).__name__) from error
    writer.add_metadata({"/Title": title, "/Creator": "aftersales"})
    out = io.BytesIO()
    writer.write(out)
    return Rendered(content=out.getvalue(), pages=len(writer.pages))


def mergeable(content: bytes) -> bool:
    """Whether pypdf reads every page of ``content``, so that ``merge`` can append it."""
    try:
        merge(content, [], title="")
    except MergeFailed:
        return False
    return True


class MergeFailed(Exception):
    """A PDF that pypdf cannot read: it is not merged."""
