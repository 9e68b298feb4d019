"""Survival and cumulative-incidence curves as registries draw them.

Step curves (right-continuous) with pointwise confidence bands, censoring marks and a table of the
numbers at risk under the time axis. The plots take the statistics engine's results
(:class:`~remission.survival.KaplanMeierResult`, :class:`~remission.survival.AalenJohansenResult`)
as they are: nothing is re-estimated here.

Numbers at risk at a printed time ``t`` are those of R ``summary(survfit, times = t)``: the patients
still under observation just before ``t`` (exit time >= t), read from the result's ``n_risk`` at its
first time on or after ``t`` (0 beyond the last). With delayed entry this counts patients who enter
between ``t`` and that time as well.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, PercentFormatter
from numpy.typing import ArrayLike, NDArray

from remission.reports import style
from remission.reports.timescale import TimeScale, time_scale
from remission.survival import AalenJohansenResult, KaplanMeierResult

# a curve with more censoring times than this gets no marks: they would merge into a bar
MAX_CENSOR_MARKS = 400
MAX_BANDED = 2
PLOT_HEIGHT = 3.3  # inches, above the numbers-at-risk table
NO_CURVES = "nothing to plot: give at least one curve"
# default words of the plots, worded when drawn (in the report's language)
OVERALL_SURVIVAL = gettext_lazy("Overall survival")
CUMULATIVE_INCIDENCE = gettext_lazy("Cumulative incidence")
ALIVE_WITHOUT_EVENT = gettext_lazy("Alive without event")

# artist ids (``Artist.get_gid()``) the tests and the report read back
GID_CURVE = "curve"
GID_BAND = "band"
GID_CENSOR = "censor"
GID_AT_RISK = "at-risk"
GID_STACK = "stack"


@dataclass(frozen=True)
class StepSeries:
    """One step curve on the day scale: what every curve plot draws."""

    label: str
    time: NDArray[np.float64]
    estimate: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    n_risk: NDArray[np.float64]
    censored: NDArray[np.bool_]
    start: float  # value before the first time: 1 for survival, 0 for incidence


def survival_series(label: str, result: KaplanMeierResult) -> StepSeries:
    return StepSeries(
        label=label,
        time=result.time,
        estimate=result.survival,
        lower=result.lower,
        upper=result.upper,
        n_risk=result.n_risk,
        censored=result.n_censor > 0,
        start=1.0,
    )


def incidence_series(label: str, result: AalenJohansenResult, cause: int) -> StepSeries:
    column = int(np.flatnonzero(result.causes == cause)[0]) if np.any(result.causes == cause) else -1
    if column < 0:
        # the cause has no event (yet): a flat zero curve, still with its numbers at risk
        zeros = np.zeros_like(result.time)
        return StepSeries(label, result.time, zeros, zeros, zeros, result.n_risk, result.n_censor > 0, 0.0)
    return StepSeries(
        label=label,
        time=result.time,
        estimate=result.cumulative_incidence[:, column],
        lower=result.lower[:, column],
        upper=result.upper[:, column],
        n_risk=result.n_risk,
        censored=result.n_censor > 0,
        start=0.0,
    )


def numbers_at_risk(series: StepSeries, at_days: ArrayLike) -> NDArray[np.int64]:
    """Patients at risk just before each time in ``at_days`` (see the module notes)."""
    at = np.asarray(at_days, dtype=np.float64)
    index = np.searchsorted(series.time, at, side="left")
    inside = index < series.time.shape[0]
    counts = np.where(inside, series.n_risk[np.minimum(index, series.time.shape[0] - 1)], 0.0)
    return np.rint(counts).astype(np.int64)


def _steps(series: StepSeries, scale: TimeScale) -> tuple[NDArray[np.float64], ...]:
    """x, y, lower and upper with the starting point at time 0 prepended."""
    x = np.concatenate([[0.0], scale.from_days(series.time)])
    y = np.concatenate([[series.start], series.estimate])
    # before the first event the limits are undefined (log-log of 1 or 0): the band is the curve itself
    flat = series.estimate == series.start
    lower = np.where(np.isnan(series.lower) & flat, series.start, series.lower)
    upper = np.where(np.isnan(series.upper) & flat, series.start, series.upper)
    return x, y, np.concatenate([[series.start], lower]), np.concatenate([[series.start], upper])


def _draw_series(
    ax: Axes, series: StepSeries, index: int, scale: TimeScale, censor_marks: bool | None, band: bool
) -> None:
    colour = style.colour(index)
    x, y, lower, upper = _steps(series, scale)
    if band:
        area = ax.fill_between(
            x, lower, upper, step="post", color=colour, alpha=style.BAND_ALPHA, linewidth=0
        )
        area.set_gid(GID_BAND)
    (line,) = ax.step(x, y, where="post", color=colour, label=series.label)
    line.set_gid(GID_CURVE)
    show_marks = censor_marks
    if show_marks is None:
        show_marks = int(series.censored.sum()) <= MAX_CENSOR_MARKS
    if show_marks and series.censored.any():
        (marks,) = ax.plot(
            scale.from_days(series.time[series.censored]),
            series.estimate[series.censored],
            linestyle="none",
            marker="|",
            markersize=6,
            markeredgewidth=1.0,
            color=colour,
        )
        marks.set_gid(GID_CENSOR)


@dataclass(frozen=True)
class RiskRow:
    """One row of the numbers-at-risk table."""

    label: str
    series: StepSeries
    colour: str


def risk_rows(series: Sequence[StepSeries]) -> list[RiskRow]:
    """One row per curve; a single "All patients" row when every curve has the same risk set (the
    competing causes of one Aalen-Johansen result)."""
    first = series[0]
    shared = all(
        item.time.shape == first.time.shape
        and np.array_equal(item.time, first.time)
        and np.array_equal(item.n_risk, first.n_risk)
        for item in series[1:]
    )
    if shared and len(series) > 1:
        return [RiskRow(_("All patients"), first, style.INK)]
    return [RiskRow(item.label, item, style.colour(index)) for index, item in enumerate(series)]


def _draw_at_risk(ax: Axes, rows: Sequence[RiskRow], ticks: NDArray[np.float64], scale: TimeScale) -> None:
    """The numbers-at-risk table: one row per curve, one column per time tick."""
    ax.set_gid(GID_AT_RISK)
    for row, item in enumerate(rows):
        counts = numbers_at_risk(item.series, scale.to_days(ticks))
        for x, count in zip(ticks, counts, strict=True):
            ax.text(x, row, f"{count:,}", ha="center", va="center", fontsize=8, color=style.INK)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_yticks(range(len(rows)), [item.label for item in rows])
    for label, item in zip(ax.get_yticklabels(), rows, strict=True):
        label.set_color(item.colour)
        label.set_fontweight("bold")
    # the pad keeps the widest count at time 0 clear of the row labels
    ax.tick_params(axis="y", length=0, pad=22)
    ax.tick_params(axis="x", bottom=False, labelbottom=False)
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(_("Number at risk"), fontsize=8.5, fontweight="normal", color=style.MUTED, loc="left")


def plot_curves(
    series: Sequence[StepSeries],
    *,
    title: str,
    subtitle: str = "",
    ylabel: str,
    scale: str | TimeScale = "auto",
    horizon_days: float | None = None,
    at_risk: bool = True,
    at_risk_days: ArrayLike | None = None,
    censor_marks: bool | None = None,
    ylim: tuple[float, float] | None = None,
    bands: bool | None = None,
) -> Figure:
    """Draw step curves with bands, censoring marks and a numbers-at-risk table; return the figure.

    ``horizon_days`` limits the time axis (default: the longest follow-up); ``at_risk_days`` sets the
    table's times (default: the axis ticks). ``censor_marks`` None shows them when a curve has at most
    :data:`MAX_CENSOR_MARKS` censoring times; ``bands`` None draws confidence bands for up to
    :data:`MAX_BANDED` curves (more overlapping bands hide the curves). With two curves or more the
    legend stands to the right of the plot, where it cannot hide a curve.
    """
    if not series:
        raise ValueError(NO_CURVES)
    longest = max(float(item.time[-1]) if item.time.size else 0.0 for item in series)
    horizon_d = horizon_days if horizon_days is not None else max(longest, 1.0)
    unit = time_scale(scale, horizon_d)
    horizon = unit.from_days(horizon_d).item()
    ticks = unit.ticks(horizon)
    table_ticks = ticks if at_risk_days is None else unit.from_days(at_risk_days)
    rows = risk_rows(series)
    with style.house_style():
        table_height = 0.32 + 0.2 * len(rows) if at_risk else 0.0
        fig = style.new_figure(PLOT_HEIGHT + table_height)
        if at_risk:
            grid = fig.add_gridspec(2, 1, height_ratios=[PLOT_HEIGHT, table_height])
            ax = fig.add_subplot(grid[0])
            table_ax = fig.add_subplot(grid[1], sharex=ax)
        else:
            ax = fig.add_subplot()
        show_bands = bands if bands is not None else len(series) <= MAX_BANDED
        for index, item in enumerate(series):
            _draw_series(ax, item, index, unit, censor_marks, show_bands)
        ax.set_xlim(0.0, horizon * 1.02)
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.set_xlabel(str(unit.axis_label))
        ax.set_ylabel(str(ylabel))
        ax.set_ylim(*(ylim or (0.0, 1.02)))
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        if len(series) > 1:
            # beside the plot, never over the curves (curves fill any corner of a 100% axis)
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
        fig.suptitle(title, x=0.0, ha="left", fontsize=11, fontweight="bold", color=style.INK)
        if subtitle:
            ax.set_title(subtitle, fontsize=8.5, fontweight="normal", color=style.MUTED, loc="left")
        if at_risk:
            _draw_at_risk(table_ax, rows, np.asarray(table_ticks, dtype=np.float64), unit)
        fig.align_ylabels()
    return fig


def plot_survival(
    curves: Mapping[str, KaplanMeierResult],
    *,
    title: str,
    subtitle: str = "",
    ylabel: str = OVERALL_SURVIVAL,
    scale: str | TimeScale = "auto",
    horizon_days: float | None = None,
    at_risk: bool = True,
    at_risk_days: ArrayLike | None = None,
    censor_marks: bool | None = None,
) -> Figure:
    """Kaplan-Meier curves (one per label) with confidence bands, censoring marks and numbers at risk."""
    series = [survival_series(label, result) for label, result in curves.items()]
    return plot_curves(
        series,
        title=title,
        subtitle=subtitle,
        ylabel=ylabel,
        scale=scale,
        horizon_days=horizon_days,
        at_risk=at_risk,
        at_risk_days=at_risk_days,
        censor_marks=censor_marks,
    )


def _incidence_ylim(series: Sequence[StepSeries], horizon_days: float | None) -> tuple[float, float]:
    """From 0 to a round ceiling above the highest upper limit shown (incidences are often small)."""
    top = 0.0
    for item in series:
        shown = item.time <= (horizon_days if horizon_days is not None else np.inf)
        values = np.concatenate([item.estimate[shown], item.upper[shown][np.isfinite(item.upper[shown])]])
        top = max(top, float(values.max()) if values.size else 0.0)
    for ceiling in (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0):
        if top * 1.08 <= ceiling:
            return 0.0, ceiling
    return 0.0, 1.02


def plot_cumulative_incidence(
    curves: Mapping[str, tuple[AalenJohansenResult, int]],
    *,
    title: str,
    subtitle: str = "",
    ylabel: str = CUMULATIVE_INCIDENCE,
    scale: str | TimeScale = "auto",
    horizon_days: float | None = None,
    at_risk: bool = True,
    at_risk_days: ArrayLike | None = None,
    censor_marks: bool | None = False,
    ylim: tuple[float, float] | None = None,
) -> Figure:
    """Aalen-Johansen cumulative incidence curves: ``label -> (result, cause)``.

    Competing causes of one result (relapse and NRM) and one cause across groups are both a mapping
    of this kind. Censoring marks are off by default (the curves rise, marks on them read as events).
    """
    series = [incidence_series(label, result, cause) for label, (result, cause) in curves.items()]
    return plot_curves(
        series,
        title=title,
        subtitle=subtitle,
        ylabel=ylabel,
        scale=scale,
        horizon_days=horizon_days,
        at_risk=at_risk,
        at_risk_days=at_risk_days,
        censor_marks=censor_marks,
        ylim=ylim or _incidence_ylim(series, horizon_days),
    )


def plot_stacked_incidence(
    result: AalenJohansenResult,
    cause_labels: Mapping[int, str],
    *,
    title: str,
    subtitle: str = "",
    remainder_label: str = ALIVE_WITHOUT_EVENT,
    scale: str | TimeScale = "auto",
    horizon_days: float | None = None,
) -> Figure:
    """Competing events stacked: cause 1 at the bottom, each next cause on top, the rest above.

    At every time the layers add up to 1 (the Aalen-Johansen incidences plus the Kaplan-Meier of
    remaining free of every event). ``cause_labels`` names the causes and sets their order.
    """
    longest = float(result.time[-1]) if result.time.size else 1.0
    horizon_d = horizon_days if horizon_days is not None else max(longest, 1.0)
    unit = time_scale(scale, horizon_d)
    horizon = unit.from_days(horizon_d).item()
    x = np.concatenate([[0.0], unit.from_days(result.time)])
    with style.house_style():
        fig = style.new_figure(3.8)
        ax = fig.add_subplot()
        bottom = np.zeros_like(x)
        for index, (cause, label) in enumerate(cause_labels.items()):
            hits = np.flatnonzero(result.causes == cause)
            layer = result.cumulative_incidence[:, hits[0]] if hits.size else np.zeros_like(result.time)
            top = bottom + np.concatenate([[0.0], layer])
            area = ax.fill_between(
                x, bottom, top, step="post", color=style.colour(index), alpha=0.85, linewidth=0, label=label
            )
            area.set_gid(GID_STACK)
            bottom = top
        rest = ax.fill_between(
            x, bottom, np.ones_like(x), step="post", color=style.GRID, linewidth=0, label=str(remainder_label)
        )
        rest.set_gid(GID_STACK)
        finish_stacked(fig, ax, unit, horizon, title=title, subtitle=subtitle)
    return fig


def finish_stacked(
    fig: Figure, ax: Axes, unit: TimeScale, horizon: float, *, title: str, subtitle: str = ""
) -> None:
    """The axes, legend (top layer first) and titles of a stacked-proportion plot (0 to 100 %)."""
    ax.set_xlim(0.0, horizon * 1.02)
    ax.xaxis.set_major_locator(FixedLocator(unit.ticks(horizon)))
    ax.set_ylim(0.0, 1.0)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_xlabel(str(unit.axis_label))
    ax.set_ylabel(_("Proportion of patients"))
    ax.grid(False)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.suptitle(title, x=0.0, ha="left", fontsize=11, fontweight="bold", color=style.INK)
    if subtitle:
        ax.set_title(subtitle, fontsize=8.5, fontweight="normal", color=style.MUTED, loc="left")
