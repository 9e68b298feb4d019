"""Measurements over time since infusion: score trajectories and immune reconstitution.

Both plots bin the visits on a regular grid of time since infusion (a visit belongs to the nearest
grid point), keep one value per patient and bin (the median of that patient's values there, so a
patient seen twice in a month does not count twice) and summarise the bin by its median and
quartiles. Bins with fewer than ``min_patients`` patients are not summarised: a median of two is noise.
Values recorded before the infusion are pooled into one "before" bin at -1 grid step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator

from remission.reports import style
from remission.reports.numbers import format_count, localise
from remission.reports.timescale import MONTHS, TimeScale, time_scale

GID_PATIENT = "patient"
GID_MEDIAN = "median"
GID_IQR = "iqr"
MISSING_COLUMNS = "{what} needs the columns {needed}; got {got}"
NOTHING_TO_PLOT = "no {what} to plot"
BEFORE_LABEL = gettext_noop("Before")  # translated where shown
PANEL_MONTHS = replace(MONTHS, tick_step=6.0)  # a small panel has room for a tick every 6 months


def _check_columns(frame: pd.DataFrame, needed: tuple[str, ...], what: str) -> None:
    if not set(needed) <= set(frame.columns):
        raise ValueError(MISSING_COLUMNS.format(what=what, needed=list(needed), got=list(frame.columns)))


def _sample_patients(patients: np.ndarray, max_patients: int, seed: int) -> np.ndarray:
    """At most ``max_patients`` of the patients, the same ones on every run (fixed seed)."""
    unique = np.unique(patients)
    if unique.shape[0] <= max_patients:
        return unique
    return np.sort(np.random.default_rng(seed).choice(unique, size=max_patients, replace=False))


def _before_position(scale: TimeScale, horizon: float) -> float:
    """Where the pooled pre-infusion bin is drawn: one tick step left of 0, clear of the 0 label."""
    ticks = scale.ticks(horizon)
    return -float(ticks[1] - ticks[0]) if ticks.shape[0] > 1 else -1.0


def _positions(bins: np.ndarray, days: np.ndarray, scale: TimeScale, horizon: float) -> np.ndarray:
    """x positions in ``scale``: the grid point, or the "before" position for bin -1."""
    return np.where(bins < 0, _before_position(scale, horizon), scale.from_days(days))


def _gap_after_before(x: np.ndarray, *ys: np.ndarray) -> tuple[np.ndarray, ...]:
    """Insert a NaN after the "before" point so the line does not join it to the first month."""
    if x.shape[0] < 2 or not x[0] < 0 <= x[1]:
        return (x, *ys)
    return tuple(np.insert(np.asarray(a, dtype=np.float64), 1, np.nan) for a in (x, *ys))


def _time_axis(ax: Axes, scale: TimeScale, summary: pd.DataFrame, horizon: float) -> None:
    ticks = list(scale.ticks(horizon))
    labels = [localise(f"{t:g}") for t in ticks]
    if (summary["bin"] < 0).any():
        ticks = [_before_position(scale, horizon), *ticks]
        labels = [_(BEFORE_LABEL), *labels]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.set_xticks(ticks, labels)
    step = float(ticks[-1] - ticks[-2]) if len(ticks) > 1 else 1.0
    ax.set_xlim(min(ticks[0], 0.0) - 0.3 * step, horizon + 0.1 * step)
    ax.set_xlabel(str(scale.axis_label))


def _patient_lines(visits: pd.DataFrame, scale: TimeScale, horizon: float) -> LineCollection:
    """One thin grey line per patient through ``visits`` (sorted by patient, then days), as one artist."""
    days = visits["days"].to_numpy(dtype=np.float64)
    x = _positions(np.where(days < 0, -1, 0), days, scale, horizon)
    y = visits["score"].to_numpy(dtype=np.float64)
    codes = pd.Categorical(visits["patient"]).codes
    starts = np.flatnonzero(np.diff(codes)) + 1
    segments = [np.column_stack(part) for part in zip(np.split(x, starts), np.split(y, starts), strict=True)]
    lines = LineCollection(
        segments,
        colors=style.MUTED,
        alpha=style.THIN_ALPHA,
        linewidths=0.7,
        capstyle="projecting",  # as a plotted line's ends and joins (lines.solid_capstyle, _joinstyle)
        joinstyle="round",
        zorder=2,  # a plotted line's, under the median drawn after it
    )
    lines.set_gid(GID_PATIENT)
    return lines


def plot_score_trajectories(
    frame: pd.DataFrame,
    summary: pd.DataFrame,
    *,
    title: str,
    score_label: str,
    subtitle: str = "",
    scale: str | TimeScale = "years",
    horizon_days: float | None = None,
    max_patients: int = 150,
    min_patients: int = 5,
    seed: int = 0,
    ylim: tuple[float, float] | None = None,
) -> Figure:
    """Each patient's scores as a thin grey line (one collection of lines), and the median per visit
    window in colour.

    ``frame``: columns ``patient``, ``days``, ``score`` (one row per assessment). At most
    ``max_patients`` patient lines are drawn (a fixed random sample, said in the subtitle). ``summary``:
    the median per visit window, computed by the analysis from every patient
    (:func:`remission.analysis.activity.binned_summary`, ``ActivitySummaries.scores``).
    """
    _check_columns(frame, ("patient", "days", "score"), "plot_score_trajectories")
    data = frame.dropna(subset=["days", "score"])
    if data.empty:
        raise ValueError(NOTHING_TO_PLOT.format(what="scores"))
    unit = time_scale(scale)
    horizon_d = horizon_days if horizon_days is not None else float(data["days"].max())
    data = data[data["days"] <= horizon_d]
    summary = summary[summary["days"] <= horizon_d]
    patients = pd.Categorical(data["patient"])
    present = np.unique(patients.codes[patients.codes >= 0])
    shown = _sample_patients(patients.categories[present].to_numpy(), max_patients, seed)
    n_patients = len(present)
    horizon = unit.from_days(horizon_d).item()
    with style.house_style():
        fig = style.new_figure(3.6)
        ax = fig.add_subplot()
        lines = data[data["patient"].isin(shown)].sort_values(["patient", "days"])
        ax.add_collection(_patient_lines(lines, unit, horizon))
        (median,) = ax.plot(
            *_gap_after_before(
                _positions(summary["bin"].to_numpy(), summary["days"].to_numpy(), unit, horizon),
                summary["median"].to_numpy(),
            ),
            color=style.colour(0),
            linewidth=2.4,
            marker="o",
            markersize=4.5,
            label=_("Median per visit window (at least %(minimum)s patients)") % {"minimum": min_patients},
        )
        median.set_gid(GID_MEDIAN)
        _time_axis(ax, unit, summary, horizon)
        ax.set_ylabel(score_label)
        if ylim:
            ax.set_ylim(*ylim)
        # under the plot: the patients' lines fill every corner
        ax.legend(loc="upper right", bbox_to_anchor=(1.0, -0.2), borderaxespad=0.0)
        fig.suptitle(title, x=0.0, ha="left", fontsize=11, fontweight="bold", color=style.INK)
        note = (
            ngettext("%(shown)s of %(n)s patient drawn", "%(shown)s of %(n)s patients drawn", n_patients)
            % {"shown": format_count(len(shown)), "n": format_count(n_patients)}
            if len(shown) < n_patients
            else ""
        )
        joined = _("%(subtitle)s — %(note)s") % {"subtitle": subtitle, "note": note}
        ax.set_title(
            joined if subtitle and note else subtitle or note,
            fontsize=8.5,
            fontweight="normal",
            color=style.MUTED,
            loc="left",
        )
    return fig


def plot_immune_reconstitution(
    summaries: Mapping[str, pd.DataFrame],
    analytes: Mapping[str, str],
    *,
    title: str,
    subtitle: str = "",
    max_months: int = 24,
    min_patients: int = 5,
    columns: int = 2,
) -> Figure:
    """Median and interquartile range by month since infusion, one panel per analyte.

    ``summaries``: each analyte's monthly summary (computed by the analysis:
    :func:`remission.analysis.activity.binned_summary`, ``ActivitySummaries.immune``). ``analytes``
    maps analyte codes to panel titles with the unit (``{"cd4": "CD4+ T cells (cells/µL)"}``) and sets
    the order; analytes with no summarised month are left out.
    """
    summaries = {code: summaries[code] for code in analytes if code in summaries}
    summaries = {code: s for code, s in summaries.items() if not s.empty}
    if not summaries:
        raise ValueError(NOTHING_TO_PLOT.format(what="laboratory values"))
    rows = -(-len(summaries) // columns)
    with style.house_style():
        fig = style.new_figure(0.6 + (2.3 if columns < 3 else 2.1) * rows)
        axes = fig.subplots(rows, columns, squeeze=False)
        for index, (code, summary) in enumerate(summaries.items()):
            ax = axes[index // columns][index % columns]
            colour = style.colour(index)
            x = _positions(
                summary["bin"].to_numpy(), summary["days"].to_numpy(), PANEL_MONTHS, float(max_months)
            )
            x, q1, q3, middle = _gap_after_before(
                x, summary["q1"].to_numpy(), summary["q3"].to_numpy(), summary["median"].to_numpy()
            )
            band = ax.fill_between(x, q1, q3, color=colour, alpha=0.22, linewidth=0)
            band.set_gid(GID_IQR)
            (median,) = ax.plot(x, middle, color=colour, marker="o", markersize=3.5)
            median.set_gid(GID_MEDIAN)
            ax.set_title(analytes[code], fontsize=9.5, fontweight="bold", loc="left")
            _time_axis(ax, PANEL_MONTHS, summary, float(max_months))
            ax.set_ylim(bottom=0.0)
            ax.set_gid(code)
        for index in range(len(summaries), rows * columns):
            axes[index // columns][index % columns].set_visible(False)
        fig.suptitle(title, x=0.0, ha="left", fontsize=11, fontweight="bold", color=style.INK)
        note = _(
            "Median (line) and interquartile range (band) of months with at least %(minimum)s patients"
        ) % {"minimum": min_patients}
        joined = _("%(subtitle)s. %(note)s") % {"subtitle": subtitle, "note": note}
        fig.supxlabel(joined if subtitle else note, fontsize=8, color=style.MUTED, x=0.0, ha="left")
    return fig
