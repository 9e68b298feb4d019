"""Figures to bytes: PNG for the PDF and the HTML (base64 data URI), SVG when asked."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
from django.utils.translation import gettext as _
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from remission.reports.document import FigureBlock
from remission.reports.figure_data import figure_table

REPORT_DPI = 160  # ~1100 px across: sharp on screen and on paper at 17 cm, quick to encode


PNG_COMPRESS_LEVEL = 1  # zlib level: plots of flat colours compress well even at 1, and 1 is fast


def figure_png(fig: Figure, dpi: int = REPORT_DPI) -> bytes:
    """``fig`` as an RGB PNG on white: no alpha channel (the white makes every pixel opaque), which is a
    quarter less to encode, and which the PDF embeds as it is instead of splitting off a soft mask.

    Drawn once, by the Agg canvas, which lays the figure out (its layout engine) and renders it in the
    same pass; ``savefig`` draws a figure with a layout engine twice, a pass with rendering switched off
    to lay it out, then the drawing. The pixels are the same (``tests/reports/test_images.py``), in about
    a tenth less time over the report's figures. The figure's resolution and background are as before
    afterwards."""
    dpi_before, background_before = fig.dpi, fig.get_facecolor()
    fig.set_dpi(dpi)
    fig.set_facecolor("white")
    try:
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        image = Image.fromarray(np.asarray(canvas.buffer_rgba())).convert("RGB")
    finally:
        fig.set_dpi(dpi_before)
        fig.set_facecolor(background_before)
    buffer = io.BytesIO()
    image.save(buffer, format="png", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


def figure_svg(fig: Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", facecolor="white")
    return buffer.getvalue()


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def save_figure(fig: Figure, path: str | Path, dpi: int = REPORT_DPI) -> Path:
    """Write ``fig`` to ``path`` (format from the suffix: .png, .svg, .pdf)."""
    target = Path(path)
    fig.savefig(target, dpi=dpi, facecolor="white")
    return target


def figure_block(fig: Figure, name: str, caption: str, alt: str) -> FigureBlock:
    """A report block of ``fig``: its PNG at :data:`REPORT_DPI`, the caption, the alternative text and
    its curves as a table."""
    png = figure_png(fig)  # drawn: the tick labels the data table reads exist now
    width, height = fig.get_size_inches() * REPORT_DPI
    data = figure_table(fig, _("The data of the figure: %(alt)s") % {"alt": alt})
    return FigureBlock(
        png=png,
        caption=caption,
        alt=alt,
        width_px=round(width),
        height_px=round(height),
        name=name,
        data=data,
    )
