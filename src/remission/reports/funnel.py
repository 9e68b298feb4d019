"""The funnel plot of centre benchmarking: each centre's O/E against its expected events.

The target (O/E = 1) is a solid line; the 95 % and 99.8 % control limits (computed by the analysis,
:func:`remission.analysis.benchmarking.funnel_curve`) narrow as the expected count grows. A centre
outside the 95 % limits is drawn in colour and named by its code; the others are grey and unnamed
unless there are at most :data:`NAME_ALL_BELOW` centres. The legend sits under the plot, clear of
the points.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from remission.reports import style
from remission.reports.numbers import localise

NAME_ALL_BELOW = 12  # with this few centres every point is named
GID_CENTRE = "centre"
GID_LIMIT = "limit"
ABOVE, BELOW = style.PALETTE[1], style.PALETTE[0]  # vermillion: more events than expected; blue: fewer
NOTHING_TO_PLOT = "no centre with expected events to plot"


def plot_funnel(centres: pd.DataFrame, limits: pd.DataFrame, *, title: str, subtitle: str = "") -> Figure:
    """O/E against expected events, one point per centre, with the 95 % and 99.8 % limits.

    ``centres``: one endpoint's rows of :attr:`remission.analysis.benchmarking.Benchmarking.centres`
    (``centre``, ``expected``, ``ratio``, ``outside_95``, ``outside_998``); ``limits``: its funnel's
    limit lines (its rows of ``Benchmarking.funnels``: ``expected``, ``lower_95``, ``upper_95``,
    ``lower_998``, ``upper_998``, in increasing ``expected``).
    """
    data = centres[centres["expected"] > 0]
    if data.empty or limits.empty:
        raise ValueError(NOTHING_TO_PLOT)
    expected = data["expected"].to_numpy(dtype=np.float64)
    ratio = data["ratio"].to_numpy(dtype=np.float64)
    grid = limits["expected"].to_numpy(dtype=np.float64)
    top = max(2.0, float(np.nanmax(ratio)) * 1.15, float(limits["upper_95"].iloc[-1]) * 1.1)
    top = min(top, max(4.0, float(np.nanmax(ratio)) * 1.15))
    with style.house_style():
        fig = style.new_figure(3.6)
        ax = fig.add_subplot()
        ax.axhline(1.0, color=style.INK, linewidth=1.0, label=_("O/E = 1 (as expected for the case mix)"))
        limit_words = (
            # xgettext:no-python-format
            _("95% limits"),
            # xgettext:no-python-format
            _("99.8% limits"),
        )
        for key, dash, words in (("95", (4, 3), limit_words[0]), ("998", (1, 2), limit_words[1])):
            for side in ("lower", "upper"):
                (line,) = ax.plot(
                    grid,
                    limits[f"{side}_{key}"].to_numpy(dtype=np.float64),
                    color=style.MUTED,
                    linewidth=1.1,
                    dashes=dash,
                    label=words if side == "upper" else None,
                )
                line.set_gid(GID_LIMIT)
        outside = data["outside_95"].to_numpy()
        colours = np.where(outside > 0, ABOVE, np.where(outside < 0, BELOW, "#9A9A9A"))
        points = ax.scatter(expected, np.minimum(ratio, top), s=30, c=colours, zorder=3, linewidths=0)
        points.set_gid(GID_CENTRE)
        name_all = len(data) <= NAME_ALL_BELOW
        named = [
            (x, y, code, flag)
            for x, y, code, flag in zip(expected, ratio, data["centre"].astype(str), outside, strict=True)
            if name_all or flag != 0
        ]
        ax.set_xscale("log")
        ax.set_xlim(grid[0], grid[-1])
        ax.xaxis.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _position: localise(f"{value:,.10g}")))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_ylim(0.0, top)
        ax.set_xlabel(_("Expected events (case-mix adjusted, log scale)"))
        ax.set_ylabel(_("Observed / expected events"))
        _name_points(ax, [(x, min(y, top), code, flag) for x, y, code, flag in named])
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, frameon=False)
        fig.suptitle(title, x=0.0, ha="left", fontsize=11, fontweight="bold", color=style.INK)
        if subtitle:
            ax.set_title(subtitle, fontsize=8.5, fontweight="normal", color=style.MUTED, loc="left")
    return fig


LABEL_SIZE = 7.5  # points
# where a name may go, in points from its point: right above, right below, left above, left below, …
LABEL_PLACES: tuple[tuple[float, float, str], ...] = (
    (4, 3, "left"),
    (4, -10, "left"),
    (-4, 3, "right"),
    (-4, -10, "right"),
    (4, 12, "left"),
    (4, -19, "left"),
    (-4, 12, "right"),
    (-4, -19, "right"),
)


def _name_points(ax: Axes, named: list[tuple[float, float, str, int]]) -> None:
    """Name each point at the first of :data:`LABEL_PLACES` whose box (estimated from the text length)
    stays within the plot's width and overlaps no name placed before it; the last place when none is."""
    fig = ax.figure
    to_px = fig.dpi / 72.0
    placed: list[tuple[float, float, float, float]] = []
    for x, y, code, flag in sorted(named):
        px, py = ax.transData.transform((x, y))
        width, height = len(code) * LABEL_SIZE * 0.6 * to_px, LABEL_SIZE * to_px
        for dx, dy, ha in LABEL_PLACES:
            left = px + dx * to_px - (width if ha == "right" else 0.0)
            bottom = py + dy * to_px
            box = (left, bottom, left + width, bottom + height)
            inside = ax.bbox.x0 <= box[0] and box[2] <= ax.bbox.x1  # not past the plot's left or right
            if inside and not any(
                box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed
            ):
                break
        placed.append(box)
        ax.annotate(
            code,
            (x, y),
            xytext=(dx, dy),
            ha=ha,
            textcoords="offset points",
            fontsize=LABEL_SIZE,
            color=style.INK if flag == 0 else (ABOVE if flag > 0 else BELOW),
        )
