"""The calibration plot of a prediction model: observed against mean predicted risk, in %.

One figure per endpoint, one series (points joined by a thin line) per horizon, the diagonal (perfect
calibration) as a solid grey line. The points are the groups of
:func:`remission.analysis.prediction.validate.calibration_groups`: the fitted rows in tenths of
predicted risk (apparent, not corrected for optimism). Both axes run from 0 to the largest risk shown,
so that the diagonal is at 45 degrees.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _
from matplotlib.figure import Figure

from remission.reports import style

GID_DIAGONAL = "diagonal"
GID_SERIES = "calibration"
NOTHING_TO_PLOT = "no calibration group to plot"


def calibration_points(groups: Sequence[Mapping[str, Any]]) -> tuple[list[float], list[float]]:
    """(mean predicted %, observed %) of the groups whose two risks are both known (a group whose
    observed risk is undefined, stored as null, is left out)."""
    points = [
        (100.0 * float(g["mean_risk"]), 100.0 * float(g["observed_risk"]))
        for g in groups
        if g.get("mean_risk") is not None and g.get("observed_risk") is not None
    ]
    points = [(x, y) for x, y in points if math.isfinite(x) and math.isfinite(y)]  # NaN: from_dict
    return [x for x, _y in points], [y for _x, y in points]


def plot_calibration(
    series: Sequence[tuple[str, Sequence[Mapping[str, Any]]]], *, title: str, subtitle: str = ""
) -> Figure:
    """Observed (y) against mean predicted risk (x), in %, one series per ``(horizon label, groups)``;
    ``groups``: the stored calibration groups (``n``, ``events``, ``mean_risk``, ``observed_risk``)."""
    drawn = [(label, *calibration_points(groups)) for label, groups in series]
    drawn = [(label, xs, ys) for label, xs, ys in drawn if xs]
    if not drawn:
        raise ValueError(NOTHING_TO_PLOT)
    top = max(max(max(xs), max(ys)) for _label, xs, ys in drawn)
    top = min(100.0, max(10.0, top * 1.1))
    with style.house_style():
        fig = style.new_figure(4.2, 5.2)
        ax = fig.add_subplot()
        (diagonal,) = ax.plot(
            [0.0, top], [0.0, top], color=style.MUTED, linewidth=1.0, label=_("perfect calibration")
        )
        diagonal.set_gid(GID_DIAGONAL)
        for index, (label, xs, ys) in enumerate(drawn):
            (line,) = ax.plot(
                xs, ys, color=style.colour(index), linewidth=0.9, marker="o", markersize=4.5, label=label
            )
            line.set_gid(GID_SERIES)
        ax.set_xlim(0.0, top)
        ax.set_ylim(0.0, top)
        ax.set_aspect("equal", adjustable="box")
        ax.set_xlabel(_("Mean predicted risk (%)"))
        ax.set_ylabel(_("Observed risk (%)"))
        ax.legend(loc="upper left")
        fig.suptitle(title, x=0.0, ha="left", fontsize=11, fontweight="bold", color=style.INK)
        if subtitle:
            ax.set_title(subtitle, fontsize=8.5, fontweight="normal", color=style.MUTED, loc="left")
    return fig
