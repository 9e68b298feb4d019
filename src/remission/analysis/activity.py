"""Disease activity and immune reconstitution after the infusion, summarised: :func:`summarise_measurements`.

Scores: each instrument is summarised over the patients whose disease it measures (the disease
catalogue's instruments: mRSS for systemic sclerosis, EDSS for MS and NMOSD, …), by visit windows of
6 months since infusion; each disease's main instrument (the first the catalogue lists that has data,
with at least :data:`MIN_PLOT_PATIENTS` patients) is marked to be drawn. Laboratory values: by month since
infusion up to 24 months, per analyte. Summaries are :func:`binned_summary`: visits binned on a regular
grid of time since infusion (a visit belongs to the nearest grid point), one value per patient and bin
(the median of that patient's values there, so a patient seen twice in a month does not count twice),
then the median and quartiles over patients, for bins with at least :data:`MIN_PATIENTS` patients (a
median of two is noise). Values recorded before the infusion are pooled into one "before" bin at -1.

The report's section (:mod:`remission.reports.activity`) lays these summaries out; it computes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from remission.analysis.longitudinal import CD4_CD8_RATIO, Measurements
from remission.clinical.diseases import DISEASES
from remission.clinical.instruments import INSTRUMENTS
from remission.registry.codes import Analyte

DAYS_PER_YEAR = 365.25  # a Julian year, as the standard analysis (remission.analysis.outcomes.YEAR)
DAYS_PER_MONTH = DAYS_PER_YEAR / 12.0
MISSING_COLUMNS = "{what} needs the columns {needed}; got {got}"
MIN_PATIENTS = 10  # a window's median needs this many patients
MIN_PLOT_PATIENTS = 50  # a trajectory plot needs this many patients with the score (fewer: the table only)
SCORE_WINDOW_DAYS = 6 * DAYS_PER_MONTH
SCORE_HORIZON_DAYS = 5 * DAYS_PER_YEAR
IMMUNE_MONTHS = 24
NOT_TRAJECTORIES = frozenset({"mri_brain"})  # lesion counts, not a score to follow
IMMUNE_ORDER: tuple[str, ...] = (
    Analyte.CD4.value,
    Analyte.CD8.value,
    CD4_CD8_RATIO,
    Analyte.CD19.value,
    Analyte.NK.value,
    Analyte.CD3.value,
    Analyte.CD4_NAIVE.value,
    Analyte.TREG_PCT.value,
    Analyte.IGG.value,
    Analyte.IGA.value,
    Analyte.IGM.value,
    Analyte.TREC.value,
)


def sorted_group_quantiles(
    keys: np.ndarray, values: np.ndarray, quantiles: Sequence[float]
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """The distinct ``keys`` (sorted), the number of values of each, and each of ``quantiles`` of its
    values, from one sort of the (key, value) pairs. A quantile interpolates linearly between the two
    order statistics around it (R's type 7, pandas' default); the median (0.5) is the middle value or the
    mean of the two middle ones. ``values`` hold no NaN."""
    order = _key_value_order(keys, values)
    keys, values = keys[order], values[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.empty(0, np.int64)
    sizes = np.diff(np.r_[starts, len(keys)])
    results = []
    for q in quantiles:
        if q == 0.5:
            results.append((values[starts + (sizes - 1) // 2] + values[starts + sizes // 2]) / 2)
            continue
        position = q * (sizes - 1)
        below = position.astype(np.int64)  # rounded down: positions are not negative
        fraction = position - below
        low = values[starts + below]
        high = values[starts + np.minimum(below + 1, sizes - 1)]
        results.append(np.where(fraction == 0, low, low + (high - low) * fraction))
    return keys[starts], sizes, results


def _key_value_order(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The order of the (key, value) pairs, by key, then value, then position: ``np.lexsort((values,
    keys))``. Keys already in order (a tidy frame's rows, patient by patient) need only the groups of
    several values ordered, which are few (a patient's laboratory values: one per month). Otherwise from
    one sort of the values and one of an integer that holds both, key and the value's rank (a third less
    time than ``lexsort`` on millions of pairs), when that integer fits in 64 bits."""
    n = len(keys)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    if (keys[1:] >= keys[:-1]).all():
        sizes = np.diff(np.r_[np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]), n])
        shared = np.flatnonzero(np.repeat(sizes > 1, sizes))  # the rows of groups of several values
        order = np.arange(n)
        order[shared] = shared[np.lexsort((values[shared], keys[shared]))]
        return order
    low = int(keys.min())
    if (int(keys.max()) - low + 1) * n >= 2**63:
        return np.lexsort((values, keys))
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(values, kind="stable")] = np.arange(n)  # ties ranked by position
    return np.argsort((keys.astype(np.int64) - low) * n + rank)  # distinct integers: any sort is stable


def binned_summary(
    frame: pd.DataFrame, *, value: str, width_days: float, min_patients: int = 5, max_bin: int | None = None
) -> pd.DataFrame:
    """Median and quartiles of ``value`` per time bin, one value per patient and bin.

    ``frame`` has the columns ``patient``, ``days`` (since infusion) and ``value``. Returns one row per
    bin with at least ``min_patients`` patients: ``bin`` (grid index; -1 = every day before the infusion),
    ``days`` (the grid point), ``n``, ``median``, ``q1``, ``q3``.
    """
    needed = ("patient", "days", value)
    if not set(needed) <= set(frame.columns):
        raise ValueError(
            MISSING_COLUMNS.format(what="binned_summary", needed=list(needed), got=list(frame.columns))
        )
    data = frame[["patient", "days", value]].dropna()
    days = data["days"].to_numpy(dtype=np.float64)
    grid = np.where(days < 0, -1, np.rint(days / width_days)).astype(np.int64)
    data = data.assign(bin=grid)
    if max_bin is not None:
        data = data[data["bin"] <= max_bin]
    # one integer per (patient, bin): a patient's values in a bin are one group; in order already when
    # the rows are a tidy frame's (patient by patient, by day), the patients numbered as they come
    patients, _ = pd.factorize(data["patient"])
    bin_plus_one = data["bin"].to_numpy(dtype=np.int64) + 1  # 0 for every day before the infusion
    span = int(bin_plus_one.max(initial=0)) + 1
    key = patients.astype(np.int64) * span + bin_plus_one
    pairs, _, (per_patient,) = sorted_group_quantiles(key, data[value].to_numpy(dtype=np.float64), (0.5,))
    bins, n, (median, q1, q3) = sorted_group_quantiles(pairs % span - 1, per_patient, (0.5, 0.25, 0.75))
    summary = pd.DataFrame({"bin": bins, "n": n, "median": median, "q1": q1, "q3": q3})
    summary = summary[summary["n"] >= min_patients].reset_index(drop=True)
    summary.insert(1, "days", summary["bin"] * width_days)
    return summary


@dataclass(frozen=True)
class ActivitySummaries:
    """What the section shows, computed once.

    ``scores``: instrument, bin, days, n, median, q1, q3 (windows of 6 months; bin -1 = before).
    ``immune``: analyte, unit, bin, days, n, median, q1, q3 (months; bin -1 = before).
    ``patients``: patients with a value per instrument and per analyte.
    ``plotted``: instruments drawn, in order (each disease's main instrument with data).
    ``score_data``: per plotted instrument, the scores of the patients whose disease it measures.
    """

    scores: pd.DataFrame
    immune: pd.DataFrame
    patients: Mapping[str, int]
    plotted: tuple[str, ...]
    score_data: Mapping[str, pd.DataFrame]
    diseases: Mapping[str, tuple[str, ...]]  # instrument -> disease codes with its scores

    @property
    def empty(self) -> bool:
        return self.scores.empty and self.immune.empty


def _instrument_order() -> list[str]:
    """Every instrument, each disease's main one first (the catalogue's order of diseases)."""
    main = [d.instruments[0] for d in DISEASES.values() if d.instruments]
    rest = [code for d in DISEASES.values() for code in d.instruments]
    order = list(dict.fromkeys([*main, *rest, *INSTRUMENTS]))
    return [code for code in order if code not in NOT_TRAJECTORIES]


def _relevant(scores: pd.DataFrame, instrument: str) -> pd.DataFrame:
    """The instrument's scores of patients whose disease it measures (all, for an unknown instrument)."""
    rows = scores[(scores["instrument"] == instrument).to_numpy()]
    known = INSTRUMENTS.get(instrument)
    if known is None or not known.diseases:
        return rows
    return rows[rows["disease"].isin(known.diseases).to_numpy()]


def _summary(frame: pd.DataFrame, *, value: str, width: float, max_bin: int | None) -> pd.DataFrame:
    return binned_summary(frame, value=value, width_days=width, min_patients=MIN_PATIENTS, max_bin=max_bin)


def summarise_measurements(measurements: Measurements) -> ActivitySummaries:
    """Window summaries of every instrument and analyte with data, and the data of the plots."""
    score_parts: list[pd.DataFrame] = []
    patients: dict[str, int] = {}
    score_data: dict[str, pd.DataFrame] = {}
    diseases: dict[str, tuple[str, ...]] = {}
    plotted: list[str] = []
    covered: set[str] = set()
    present = set(measurements.instruments())
    max_score_bin = round(SCORE_HORIZON_DAYS / SCORE_WINDOW_DAYS)
    for instrument in [*_instrument_order(), *sorted(present - set(_instrument_order()))]:
        if instrument not in present or instrument in NOT_TRAJECTORIES:
            continue
        rows = _relevant(measurements.scores, instrument)
        summary = _summary(
            rows[["patient", "days", "score"]], value="score", width=SCORE_WINDOW_DAYS, max_bin=max_score_bin
        )
        if summary.empty:
            continue
        score_parts.append(summary.assign(instrument=instrument))
        patients[instrument] = int(rows["patient"].nunique())
        measured = tuple(sorted(str(d) for d in rows["disease"].dropna().unique()))
        diseases[instrument] = measured
        enough = patients[instrument] >= MIN_PLOT_PATIENTS and (summary["bin"] >= 0).sum() >= 2
        if set(measured) - covered and enough:
            plotted.append(instrument)
            covered |= set(measured)
            score_data[instrument] = rows[["patient", "days", "score"]]
    labs = measurements.labs
    shown = (labs["days"] <= (IMMUNE_MONTHS + 0.5) * DAYS_PER_MONTH).to_numpy()
    # each analyte's rows, in their order, from one pass over the values (not one filter per analyte)
    per_analyte = {
        str(analyte): rows
        for analyte, rows in labs.loc[shown, ["patient", "days", "value", "unit", "analyte"]].groupby(
            "analyte", observed=True, sort=False
        )
    }
    immune_parts: list[pd.DataFrame] = []
    for analyte in [*IMMUNE_ORDER, *sorted(set(measurements.analytes()) - set(IMMUNE_ORDER))]:
        rows = per_analyte.get(analyte)  # a group-by's groups are never empty
        if rows is None:
            continue
        summary = _summary(
            rows[["patient", "days", "value"]], value="value", width=DAYS_PER_MONTH, max_bin=IMMUNE_MONTHS
        )
        if summary.empty:
            continue
        unit = str(rows["unit"].iloc[0])
        immune_parts.append(summary.assign(analyte=analyte, unit=unit))
        patients[analyte] = int(rows["patient"].nunique())
    score_columns = ["instrument", "bin", "days", "n", "median", "q1", "q3"]
    immune_columns = ["analyte", "unit", "bin", "days", "n", "median", "q1", "q3"]
    return ActivitySummaries(
        scores=pd.concat(score_parts, ignore_index=True)[score_columns]
        if score_parts
        else pd.DataFrame(columns=score_columns),
        immune=pd.concat(immune_parts, ignore_index=True)[immune_columns]
        if immune_parts
        else pd.DataFrame(columns=immune_columns),
        patients=patients,
        plotted=tuple(plotted),
        score_data=score_data,
        diseases=diseases,
    )
