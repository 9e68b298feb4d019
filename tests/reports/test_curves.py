"""Survival and incidence plots: the expected artists, and numbers at risk counted from the data."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from remission.reports.curves import (
    GID_AT_RISK,
    GID_BAND,
    GID_CENSOR,
    GID_CURVE,
    GID_STACK,
    plot_cumulative_incidence,
    plot_stacked_incidence,
    plot_survival,
)
from remission.reports.timescale import DAYS_PER_YEAR
from remission.survival import aalen_johansen, kaplan_meier

# 12 patients, times in days; event 1 = death. Two groups of 6.
TIME = np.array([30, 200, 200, 400, 500, 800, 90, 365, 366, 700, 1000, 1200], dtype=float)
EVENT = np.array([1, 0, 1, 1, 0, 1, 0, 1, 0, 1, 0, 0])
CAUSE = np.array([1, 0, 2, 1, 0, 2, 0, 1, 0, 2, 0, 0])
group_of = np.array(["a"] * 6 + ["b"] * 6)


def _with_gid(fig: Figure, gid: str) -> list:
    return [artist for ax in fig.axes for artist in ax.get_children() if artist.get_gid() == gid]


def _table_axes(fig: Figure) -> Axes:
    (ax,) = [ax for ax in fig.axes if ax.get_gid() == GID_AT_RISK]
    return ax


def _table_cells(ax: Axes) -> dict[tuple[float, float], str]:
    return {(round(t.get_position()[0], 6), t.get_position()[1]): t.get_text() for t in ax.texts}


def test_one_curve_and_band_per_group() -> None:
    curves = {g: kaplan_meier(TIME[group_of == g], EVENT[group_of == g]) for g in ("a", "b")}
    fig = plot_survival(curves, title="Overall survival", scale="days")
    lines = _with_gid(fig, GID_CURVE)
    assert [line.get_label() for line in lines] == ["a", "b"]
    assert len(_with_gid(fig, GID_BAND)) == 2
    assert fig.axes[0].get_xlabel() == "Days since infusion"


def test_censoring_marks_sit_at_the_censoring_times() -> None:
    fig = plot_survival({"all": kaplan_meier(TIME, EVENT)}, title="OS", scale="days")
    (marks,) = _with_gid(fig, GID_CENSOR)
    # censored: 200 (one of the two at 200), 500, 90, 366, 1000, 1200 -> distinct times
    assert sorted(marks.get_xdata()) == [90, 200, 366, 500, 1000, 1200]


def test_numbers_at_risk_are_the_patients_still_followed() -> None:
    fig = plot_survival(
        {
            "a": kaplan_meier(TIME[group_of == "a"], EVENT[group_of == "a"]),
            "b": kaplan_meier(TIME[group_of == "b"], EVENT[group_of == "b"]),
        },
        title="OS",
        scale="years",
        at_risk_days=[0.0, DAYS_PER_YEAR, 2 * DAYS_PER_YEAR, 3 * DAYS_PER_YEAR],
    )
    table = _table_axes(fig)
    assert [label.get_text() for label in table.get_yticklabels()] == ["a", "b"]
    cells = _table_cells(table)
    for row, group in enumerate(("a", "b")):
        times = TIME[group_of == group]
        for years in (0.0, 1.0, 2.0, 3.0):
            # at risk just before t: followed at least until t, counted here by hand
            expected = int((times >= years * DAYS_PER_YEAR).sum())
            assert cells[(years, row)] == str(expected)
    # group a at 1 year: 400, 500, 800 -> 3; group b: 365 < 365.25 is gone -> 366, 700, 1000, 1200 -> 4
    assert cells[(1.0, 0)] == "3" and cells[(1.0, 1)] == "4"


def test_competing_causes_of_one_fit_share_one_at_risk_row() -> None:
    fit = aalen_johansen(TIME, CAUSE)
    fig = plot_cumulative_incidence({"Relapse": (fit, 1), "NRM": (fit, 2)}, title="CIF", scale="days")
    assert [line.get_label() for line in _with_gid(fig, GID_CURVE)] == ["Relapse", "NRM"]
    table = _table_axes(fig)
    assert [label.get_text() for label in table.get_yticklabels()] == ["All patients"]
    assert _table_cells(table)[(0.0, 0)] == "12"


def test_stacked_incidence_has_a_layer_per_cause_and_the_rest() -> None:
    fig = plot_stacked_incidence(aalen_johansen(TIME, CAUSE), {1: "Relapse", 2: "NRM"}, title="Outcome")
    assert len(_with_gid(fig, GID_STACK)) == 3
    assert fig.axes[0].get_ylim() == (0.0, 1.0)


def test_the_time_axis_switches_to_months_for_short_follow_up() -> None:
    fig = plot_survival({"all": kaplan_meier(TIME[TIME < 400], EVENT[TIME < 400])}, title="OS")
    assert fig.axes[0].get_xlabel() == "Months since infusion"


def test_no_curves_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one curve"):
        plot_survival({}, title="nothing")
