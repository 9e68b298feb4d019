"""Figures to bytes: PNG for the PDF and the HTML (base64 data URI), SVG when asked."""

from __future__ import annotations

import base64
import io
from pathlib import Path

from matplotlib.figure import Figure

REPORT_DPI = 160  # ~1100 px across: sharp on screen and on paper at 17 cm, quick to encode


def figure_png(fig: Figure, dpi: int = REPORT_DPI) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
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
