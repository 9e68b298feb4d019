"""The look shared by every Remission plot: colours, type sizes, figure sizes.

Colours are the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"), distinguishable with
the common colour-vision deficiencies and in greyscale by lightness order. Every plot draws on a
:class:`matplotlib.figure.Figure` made here, never through ``pyplot``: nothing global is created, so
figures are freed with their last reference and plotting is safe from any thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure

# Okabe-Ito, in the order curves take them (yellow, the palest, is last)
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)
INK = "#222222"  # text and axes
MUTED = "#6B6B6B"  # secondary text, reference lines
GRID = "#E3E3E3"
BAND_ALPHA = 0.18  # confidence bands
THIN_ALPHA = 0.25  # per-patient lines

# Figure sizes in inches: a full-width plot in the HTML/PDF report is ~17 cm wide
WIDTH = 7.0
DPI = 150

RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9.5,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 9.5,
    "axes.labelcolor": INK,
    "axes.edgecolor": MUTED,
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": GRID,
    "grid.linewidth": 0.6,
    "xtick.color": INK,
    "ytick.color": INK,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    # Titles stay at the top of their axes instead of being moved above whatever is drawn there, which
    # costs a measure of every axis's tick labels per title (~0.3 s over the report's figures): the
    # house style draws nothing there (no top spine or ticks), and no offset or ×10ⁿ multiplier (which
    # matplotlib puts at the top of the y axis) is drawn, the ticks carry the whole numbers instead.
    "axes.titley": 1.0,
    "axes.formatter.useoffset": False,
    "axes.formatter.limits": (-9, 9),
    "lines.linewidth": 1.8,
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
}


def colour(index: int) -> str:
    """The colour of the ``index``-th curve (cycles through :data:`PALETTE`)."""
    return PALETTE[index % len(PALETTE)]


@contextmanager
def house_style() -> Iterator[None]:
    """Apply :data:`RC` while a figure is built (matplotlib reads most settings at artist creation)."""
    with mpl.rc_context(RC):
        yield


def new_figure(height: float, width: float = WIDTH) -> Figure:
    """A pyplot-free figure in the house size (call inside :func:`house_style`)."""
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")
