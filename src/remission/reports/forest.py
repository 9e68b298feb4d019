"""Forest plots of hazard ratios from fitted Cox and Fine-Gray models.

Each model is a block: a bold heading, then one row per term with the ratio as a square, its
confidence interval as a line, and the numbers written out in a column on the right. The ratio axis
is logarithmic and centred on 1 (no effect). The numbers come straight from the fitted result
(``hazard_ratio``, ``exp(conf_int)``, ``p_value``); nothing is refitted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd
from django.utils.translation import gettext_lazy
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullLocator
from numpy.typing import NDArray

from remission.reports import style
from remission.reports.numbers import format_p, format_ratio

GID_POINT = "estimate"
GID_INTERVAL = "interval"
NO_MODELS = "nothing to plot: give at least one fitted model"
HR_AXIS = gettext_lazy("Hazard ratio (log scale)")  # worded when drawn
HR_HEADING = gettext_lazy("HR (95% CI)")
# ratios are drawn inside these limits; an interval beyond them ends in an arrow
AXIS_FLOOR = 0.01
AXIS_CEILING = 100.0
# an interval cut at the axis limits ends in an arrow on that side: (cut below, cut above) -> style
_ARROWS = {(False, False): "-", (True, False): "<|-", (False, True): "-|>", (True, True): "<|-|>"}
_NICE_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)


class RatioModel(Protocol):
    """What a forest plot reads from a fitted model (CoxResult and FineGrayResult both have it)."""

    names: list[str]
    coef: NDArray[np.float64]
    conf_int: NDArray[np.float64]
    p_value: NDArray[np.float64]


@dataclass(frozen=True)
class ForestRow:
    """One line of the plot: a heading (no numbers) or a term."""

    label: str
    ratio: float = float("nan")
    lower: float = float("nan")
    upper: float = float("nan")
    p_value: float = float("nan")
    is_heading: bool = False


def forest_rows(
    models: Mapping[str, RatioModel], term_labels: Mapping[str, str] | None = None
) -> list[ForestRow]:
    """The rows of the plot: per model a heading (when there are several) and its terms."""
    labels = term_labels or {}
    rows: list[ForestRow] = []
    for title, model in models.items():
        if len(models) > 1:
            rows.append(ForestRow(title, is_heading=True))
        limits = np.exp(np.asarray(model.conf_int, dtype=np.float64))
        for index, name in enumerate(model.names):
            rows.append(
                ForestRow(
                    label=labels.get(name, name),
                    ratio=float(np.exp(model.coef[index])),
                    lower=float(limits[index, 0]),
                    upper=float(limits[index, 1]),
                    p_value=float(model.p_value[index]),
                )
            )
    return rows


def forest_rows_from_table(
    table: pd.DataFrame, term_labels: Mapping[str, str] | None = None
) -> list[ForestRow]:
    """Rows from a hazard-ratio table (columns ``term``, ``hazard_ratio``, ``lower``, ``upper``,
    ``p_value``, as :func:`remission.analysis.outcomes.fit_models` returns) — limits already exp'd."""
    labels = term_labels or {}
    return [
        ForestRow(
            label=labels.get(str(r.term), str(r.term)),
            ratio=float(r.hazard_ratio),
            lower=float(r.lower),
            upper=float(r.upper),
            p_value=float(r.p_value),
        )
        for r in table.itertuples(index=False)
    ]


def _axis_limits(rows: Sequence[ForestRow]) -> tuple[float, float]:
    values = np.array([v for row in rows if not row.is_heading for v in (row.lower, row.upper, row.ratio)])
    values = values[np.isfinite(values) & (values >= AXIS_FLOOR) & (values <= AXIS_CEILING)]
    low = max(AXIS_FLOOR, min(0.5, float(values.min()) if values.size else 0.5))
    high = min(AXIS_CEILING, max(2.0, float(values.max()) if values.size else 2.0))
    return low / 1.25, high * 1.25


def plot_forest(
    models: Mapping[str, RatioModel] | Sequence[ForestRow],
    *,
    title: str,
    subtitle: str = "",
    term_labels: Mapping[str, str] | None = None,
    xlabel: str = HR_AXIS,
    ratio_heading: str = HR_HEADING,
) -> Figure:
    """A forest plot of ``exp(coef)`` with its confidence limits for every term of every model.

    ``models`` maps a heading ("Overall survival, Cox") to a fitted result, or is a list of rows
    (:func:`forest_rows_from_table`); ``term_labels`` turns design names ("diseasessc") into words.
    A ratio outside the axis (an infinite coefficient) is written out but not drawn.
    """
    if not models:
        raise ValueError(NO_MODELS)
    rows = forest_rows(models, term_labels) if isinstance(models, Mapping) else list(models)
    low, high = _axis_limits(rows)
    y = np.arange(len(rows))[::-1].astype(float)
    with style.house_style():
        fig = style.new_figure(0.9 + 0.27 * len(rows))
        grid = fig.add_gridspec(1, 2, width_ratios=[3.0, 2.3], wspace=0.0)
        ax = fig.add_subplot(grid[0])
        text_ax = fig.add_subplot(grid[1], sharey=ax)
        ax.set_xscale("log")
        ax.axvline(1.0, color=style.MUTED, linewidth=0.9, zorder=1)
        colour = style.colour(0)
        for row, at in zip(rows, y, strict=True):
            if row.is_heading:
                continue
            if not np.isnan([row.lower, row.upper]).any():
                lower, upper = min(max(row.lower, low), high), max(min(row.upper, high), low)
                interval = ax.annotate(
                    "",
                    xy=(upper, at),
                    xytext=(lower, at),
                    arrowprops={
                        "arrowstyle": _ARROWS[(row.lower < low, row.upper > high)],
                        "color": colour,
                        "linewidth": 1.4,
                        "shrinkA": 0,
                        "shrinkB": 0,
                    },
                )
                interval.set_gid(GID_INTERVAL)
            if low <= row.ratio <= high:
                (point,) = ax.plot(
                    [row.ratio], [at], marker="s", markersize=6, color=colour, linestyle="none"
                )
                point.set_gid(GID_POINT)
        ax.set_xlim(low, high)
        ticks = [t for t in _NICE_TICKS if low <= t <= high]
        if len(ticks) > 7:  # a wide axis: powers of ten only, so the labels do not collide
            ticks = [t for t in ticks if np.log10(t).is_integer()]
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.set_yticks(y, [row.label for row in rows])
        for label, row in zip(ax.get_yticklabels(), rows, strict=True):
            if row.is_heading:
                label.set_fontweight("bold")
                label.set_fontsize(8.5)
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(str(xlabel))

        text_ax.set_xlim(0.0, 1.0)
        text_ax.axis("off")
        top = len(rows) - 0.3
        text_ax.text(0.06, top, str(ratio_heading), fontweight="bold", va="bottom", fontsize=8)
        text_ax.text(1.0, top, "p", fontweight="bold", va="bottom", ha="right", fontsize=8)
        for row, at in zip(rows, y, strict=True):
            if row.is_heading:
                continue
            text_ax.text(0.06, at, format_ratio(row.ratio, row.lower, row.upper), va="center", fontsize=8)
            text_ax.text(1.0, at, format_p(row.p_value), va="center", ha="right", fontsize=8)
        fig.suptitle(title, x=0.0, ha="left", fontsize=11, fontweight="bold", color=style.INK)
        if subtitle:
            ax.set_title(subtitle, fontsize=8.5, fontweight="normal", color=style.MUTED, loc="left", pad=14)
    return fig
