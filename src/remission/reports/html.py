"""A :class:`~.document.Document` as one self-contained HTML file.

Self-contained: the style sheet is inlined, plots are embedded as base64 PNG data URIs, and nothing
is fetched from anywhere (no fonts, scripts or images by URL), so the file can be mailed or archived
and still opens offline exactly as written.
"""

from __future__ import annotations

from html import escape
from importlib import resources

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from remission.reports.document import Block, Document, FigureBlock, KeyValues, Paragraph, Section, Table
from remission.reports.images import REPORT_DPI, png_data_uri

CSS_DPI = 96  # CSS pixels per inch: a plot is shown at its natural size


def stylesheet() -> str:
    return resources.files("remission.reports").joinpath("report.css").read_text(encoding="utf-8")


def _paragraph(block: Paragraph) -> str:
    return f'<p class="note">{escape(block.text)}</p>' if block.note else f"<p>{escape(block.text)}</p>"


def _key_values(block: KeyValues) -> str:
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in block.items)
    return f'<dl class="facts">{items}</dl>'


def _table(block: Table) -> str:
    def cell(tag: str, text: str, index: int) -> str:
        klass = ' class="num"' if index in block.numeric_columns else ""
        return f"<{tag}{klass}>{escape(text)}</{tag}>"

    head = "".join(cell("th", h, i) for i, h in enumerate(block.header))
    body = []
    groups = set(block.group_rows)
    for r, row in enumerate(block.rows):
        if r in groups:
            body.append(f'<tr class="group"><td colspan="{len(block.header)}">{escape(row[0])}</td></tr>')
        else:
            body.append("<tr>" + "".join(cell("td", text, i) for i, text in enumerate(row)) + "</tr>")
    note = f'<p class="table-note">{escape(block.note)}</p>' if block.note else ""
    csv = f' <span class="table-note">(CSV: {escape(block.csv_name)})</span>' if block.csv_name else ""
    return (
        f'<div class="table-wrap"><table><caption>{escape(block.caption)}{csv}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{note}</div>"
    )


def _figure(block: FigureBlock) -> str:
    width, height = block.width_px * CSS_DPI // REPORT_DPI, block.height_px * CSS_DPI // REPORT_DPI
    return (
        f'<figure id="figure-{escape(block.name)}">'
        f'<img src="{png_data_uri(block.png)}" alt="{escape(block.alt)}"'
        f' width="{width}" height="{height}">'
        f"<figcaption>{escape(block.caption)}</figcaption>{_figure_data(block)}</figure>"
    )


def _figure_data(block: FigureBlock) -> str:
    """The figure's curves as a table, folded under the caption (:mod:`.figure_data`)."""
    if block.data is None:
        return ""
    summary = escape(_("The figure's data"))
    return f'<details class="figure-data"><summary>{summary}</summary>{_table(block.data)}</details>'


def _block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return _paragraph(block)
    if isinstance(block, KeyValues):
        return _key_values(block)
    if isinstance(block, Table):
        return _table(block)
    return _figure(block)


def _section(section: Section) -> str:
    body = "\n".join(_block(block) for block in section.blocks)
    return f'<section id="{escape(section.anchor)}"><h2>{escape(section.title)}</h2>\n{body}\n</section>'


def language_tag() -> str:
    """The report's language as an HTML ``lang`` value ("en-GB", "fr")."""
    code = get_language() or "en-gb"
    language, _sep, region = code.partition("-")
    return f"{language}-{region.upper()}" if region else language


def render_html(document: Document, *, tables_file: str = "") -> str:
    """The whole report as an HTML string; ``tables_file`` names the CSV archive written alongside."""
    toc = "".join(f'<li><a href="#{escape(s.anchor)}">{escape(s.title)}</a></li>' for s in document.sections)
    downloads = (
        '<p class="downloads">'
        + _("Every table of this report is also in %(file)s, next to this file, as CSV (unrounded numbers).")
        % {"file": f"<strong>{escape(tables_file)}</strong>"}
        + "</p>"
        if tables_file
        else ""
    )
    contents = escape(_("Contents"))
    sections = "\n".join(_section(s) for s in document.sections)
    return f"""<!DOCTYPE html>
<html lang="{escape(language_tag())}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(document.title)}</title>
<style>
{stylesheet()}
</style>
</head>
<body>
<main>
<header class="report"><h1>{escape(document.title)}</h1><p>{escape(document.subtitle)}</p></header>
<nav class="toc" aria-label="{contents}"><strong>{contents}</strong><ol>{toc}</ol></nav>
{downloads}
{sections}
</main>
</body>
</html>
"""
