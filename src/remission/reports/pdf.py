"""A :class:`~.document.Document` as a PDF (A4), with ReportLab's layout engine (pure Python).

Each section starts on a new page; tables repeat their header row when they run over a page; a plot
and its caption are kept together. The footer carries the report title and the page number.

Streams are written binary (zlib only), not ASCII85-encoded as ReportLab does by default: without
ReportLab's optional C accelerator the ASCII85 encoding of the plots' pixels, in pure Python, was most of
the time a report took to render. Binary streams are standard PDF, and a third smaller.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as PdfTable
from reportlab.platypus.flowables import Flowable

from remission.reports import style
from remission.reports.document import Block, Document, FigureBlock, KeyValues, Section, Table
from remission.reports.document import Paragraph as TextBlock

MARGIN = 1.7 * cm
FRAME_WIDTH = A4[0] - 2 * MARGIN
HALF_PAGE = 0.44  # a curve with its at-risk table is shrunk to this share of the page, two fit
SHORT_TABLE = 25  # rows: a table this short is kept on one page with its caption
FRAME_HEIGHT = A4[1] - 2 * MARGIN - 0.6 * cm  # room for the footer


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontName="Helvetica", fontSize=9.5, leading=12.5)
    return {
        "title": ParagraphStyle(
            "title",
            parent=base["Title"],
            fontName="Helvetica-Bold",
            fontSize=19,
            alignment=0,
            spaceAfter=4,
            textColor=colors.HexColor(style.INK),
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=body, textColor=colors.HexColor(style.MUTED), spaceAfter=10
        ),
        "h1": ParagraphStyle(
            "h1",
            parent=base["Heading1"],
            fontName="Helvetica-Bold",
            fontSize=14,
            spaceAfter=6,
            textColor=colors.HexColor(style.INK),
        ),
        "body": body,
        "note": ParagraphStyle(
            "note", parent=body, fontSize=8, leading=10, textColor=colors.HexColor(style.MUTED)
        ),
        "caption": ParagraphStyle(
            "caption", parent=body, fontName="Helvetica-Bold", fontSize=9, spaceAfter=3, keepWithNext=1
        ),
        "caption_free": ParagraphStyle(
            "caption_free", parent=body, fontName="Helvetica-Bold", fontSize=9, spaceAfter=3
        ),
        "cell": ParagraphStyle("cell", parent=body, fontSize=7.5, leading=9),
        "cell_num": ParagraphStyle("cell_num", parent=body, fontSize=7.5, leading=9, alignment=TA_RIGHT),
        "head": ParagraphStyle("head", parent=body, fontName="Helvetica-Bold", fontSize=7.5, leading=9),
        "head_num": ParagraphStyle(
            "head_num", parent=body, fontName="Helvetica-Bold", fontSize=7.5, leading=9, alignment=TA_RIGHT
        ),
        "group": ParagraphStyle("group", parent=body, fontName="Helvetica-Bold", fontSize=7.5, leading=9),
    }


def _column_widths(block: Table) -> list[float]:
    """Widths proportional to each column's longest text (capped), scaled to the frame."""
    lengths = []
    groups = set(block.group_rows)
    for column in range(len(block.header)):
        texts = [row[column] for r, row in enumerate(block.rows) if r not in groups]
        longest_word = max((len(word) for word in block.header[column].split()), default=1)
        lengths.append(min(max([longest_word, *(len(t) for t in texts)]), 60) + 2)
    total = sum(lengths)
    return [FRAME_WIDTH * n / total for n in lengths]


def _table(block: Table, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    numeric = set(block.numeric_columns)
    groups = set(block.group_rows)
    header = [
        Paragraph(escape(h), styles["head_num" if i in numeric else "head"])
        for i, h in enumerate(block.header)
    ]
    data: list[list[object]] = [header]
    commands: list[tuple] = [
        ("LINEBELOW", (0, 0), (-1, 0), 0.9, colors.HexColor(style.INK)),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#D9D9D9")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for r, row in enumerate(block.rows):
        if r in groups:
            data.append([Paragraph(escape(row[0]), styles["group"])] + [""] * (len(row) - 1))
            commands += [
                ("SPAN", (0, r + 1), (-1, r + 1)),
                ("BACKGROUND", (0, r + 1), (-1, r + 1), colors.HexColor("#F4F6F8")),
            ]
        else:
            data.append(
                [
                    Paragraph(escape(text), styles["cell_num" if i in numeric else "cell"])
                    for i, text in enumerate(row)
                ]
            )
    table = PdfTable(data, colWidths=_column_widths(block), repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    caption = block.caption + (f" (CSV: {block.csv_name})" if block.csv_name else "")
    # a short table stays with its caption; a long one starts under it and runs over the page
    caption_style = styles["caption"] if len(block.rows) <= SHORT_TABLE else styles["caption_free"]
    flow: list[Flowable] = [Paragraph(escape(caption), caption_style), table]
    if block.note:
        flow += [Spacer(1, 3), Paragraph(escape(block.note), styles["note"])]
    return [*flow, Spacer(1, 10)]


def _figure(block: FigureBlock, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    width = FRAME_WIDTH
    height = width * block.height_px / block.width_px
    if height > FRAME_HEIGHT * 0.9:  # a tall plot is shrunk to fit the page
        height = FRAME_HEIGHT * 0.9
    elif FRAME_HEIGHT * HALF_PAGE < height < FRAME_HEIGHT * 0.6:  # slightly shrunk: two to a page
        height = FRAME_HEIGHT * HALF_PAGE
    width = height * block.width_px / block.height_px
    image = Image(io.BytesIO(block.png), width=width, height=height)
    return [KeepTogether([image, Paragraph(escape(block.caption), styles["note"]), Spacer(1, 10)])]


def _key_values(block: KeyValues, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    rows = [
        [Paragraph(f"<b>{escape(k)}</b>", styles["body"]), Paragraph(escape(v), styles["body"])]
        for k, v in block.items
    ]
    table = PdfTable(rows, colWidths=[FRAME_WIDTH * 0.3, FRAME_WIDTH * 0.7], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    return [table, Spacer(1, 8)]


def _block(block: Block, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    if isinstance(block, TextBlock):
        return [Paragraph(escape(block.text), styles["note" if block.note else "body"]), Spacer(1, 5)]
    if isinstance(block, KeyValues):
        return _key_values(block, styles)
    if isinstance(block, Table):
        return _table(block, styles)
    return _figure(block, styles)


def _section(section: Section, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    flow: list[Flowable] = [Paragraph(escape(section.title), styles["h1"])]
    for block in section.blocks:
        flow += _block(block, styles)
    return flow


@contextmanager
def _binary_streams() -> Iterator[None]:
    """ReportLab reads ``rl_config.useA85`` as it writes each stream: off while this document is built."""
    previous = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = previous


def render_pdf(document: Document) -> bytes:
    """The report as PDF bytes: the title on the first page, each section from a new page."""
    styles = _styles()
    buffer = io.BytesIO()
    page_words = _("Page %(page)s")  # worded now: ReportLab calls the footer as it lays out each page

    def footer(canvas: object, doc: SimpleDocTemplate) -> None:
        canvas.saveState()  # type: ignore[attr-defined]
        canvas.setFont("Helvetica", 7.5)  # type: ignore[attr-defined]
        canvas.setFillColor(colors.HexColor(style.MUTED))  # type: ignore[attr-defined]
        text = f"{document.title} — {document.subtitle}"
        room = FRAME_WIDTH - 2 * cm
        while text and stringWidth(text, "Helvetica", 7.5) > room:
            text = text[:-2] + "…"
        canvas.drawString(MARGIN, MARGIN * 0.55, text)  # type: ignore[attr-defined]
        canvas.drawRightString(A4[0] - MARGIN, MARGIN * 0.55, page_words % {"page": doc.page})  # type: ignore[attr-defined]
        canvas.restoreState()  # type: ignore[attr-defined]

    template = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=document.title,
        author="Remission",
        subject=document.subtitle,
        invariant=True,  # the same document gives the same bytes (no creation-time stamp)
    )
    flow: list[Flowable] = [
        Paragraph(escape(document.title), styles["title"]),
        Paragraph(escape(document.subtitle), styles["subtitle"]),
    ]
    for index, section in enumerate(document.sections):
        if index:
            flow.append(PageBreak())
        flow += _section(section, styles)
    with _binary_streams():
        template.build(flow, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
