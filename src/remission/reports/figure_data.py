"""A figure's data as a table: what a reader who cannot see the plot reads off it.

Every plotted curve that has a name in the legend is read at the ticks of its horizontal axis (the times
a reader would look up: 0, 1, 2… years): a step curve (a Kaplan-Meier or cumulative-incidence estimate,
drawn ``steps-post``) gives its value at the last step on or before the tick, any other line is read
between its points (on a logarithmic axis, along the segment as drawn); a tick outside the curve's range
is left empty. One row per (panel, curve, tick); a percentage to one decimal ("87.4%", where the axis is
in percent), any other value to three significant digits. A figure with no named curve (a forest plot, a
diagram) or with points rather than curves has no data table here: its numbers are in the table that
follows it in the report.
"""

from __future__ import annotations

import numpy as np
from django.utils.translation import gettext as _
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from remission.reports.document import Table
from remission.reports.numbers import format_percent, localise, percent_sign


def figure_table(fig: Figure, caption: str) -> Table | None:
    """The named curves of ``fig`` read at their axis's ticks (see the module docstring), or None."""
    rows: list[tuple[str, ...]] = []
    across = ""  # the horizontal axis's label, of the first panel read
    for ax in fig.axes:
        panel = ax.get_title() or ax.get_ylabel()
        ticks = _ticks(ax)
        for line in ax.get_lines():
            name = str(line.get_label())
            if name.startswith("_") or not ticks or line.get_linestyle() in ("None", "", " "):
                continue  # unnamed, or points rather than a curve (a scatter: its table follows it)
            x = np.asarray(line.get_xdata(), dtype=float)
            y = np.asarray(line.get_ydata(), dtype=float)
            if x.size == 0:
                continue
            across = across or ax.get_xlabel()
            for at, label in ticks:
                value = _value_at(line, x, y, at, log=ax.get_xscale() == "log")
                rows.append((panel, name, label, "" if value is None else _written(ax, value)))
    if not rows:
        return None
    header = (_("Panel"), _("Curve"), across or _("Time"), _("Value"))
    return Table(caption, header, tuple(rows), numeric_columns=(3,))


def _written(ax: Axes, value: float) -> str:
    """``value`` as its axis writes it, more precisely than a tick: a percentage to one decimal."""
    formatter = ax.yaxis.get_major_formatter()
    if isinstance(formatter, PercentFormatter):
        return percent_sign(format_percent(value / formatter.xmax))
    return localise(f"{value:.3g}")


def _ticks(ax: Axes) -> list[tuple[float, str]]:
    """The horizontal axis's ticks inside its limits, with their labels as drawn."""
    low, high = sorted(ax.get_xlim())
    ticks = []
    labels = [label.get_text() for label in ax.xaxis.get_majorticklabels()]
    for i, at in enumerate(float(loc) for loc in ax.xaxis.get_majorticklocs()):
        if low <= at <= high:
            label = labels[i] if i < len(labels) else ""
            ticks.append((at, label or localise(f"{at:g}")))
    return ticks


def _value_at(line: Line2D, x: np.ndarray, y: np.ndarray, at: float, *, log: bool) -> float | None:
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    if at < x[0] or at > x[-1]:
        return None
    style = str(line.get_drawstyle())
    if style == "steps-post":  # the value holds from its point to the next
        return float(y[np.searchsorted(x, at, side="right") - 1])
    if style in ("steps", "steps-pre"):  # the value holds up to its point
        return float(y[np.searchsorted(x, at, side="left")])
    if log:  # a straight segment on a logarithmic axis
        return float(np.interp(np.log(at), np.log(x), y)) if at > 0 and x[0] > 0 else None
    return float(np.interp(at, x, y))
