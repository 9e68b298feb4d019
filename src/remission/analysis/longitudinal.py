"""Measurements over time: disease scores and laboratory values by days since the index infusion.

:func:`load_measurements` reads, for the patients of an analysis set, every disease-activity score
(assessments with a score, and the work-up's FVC and DLCO % predicted as the instruments ``fvc_pct`` and
``dlco_pct``) and every laboratory result, and returns them as :class:`Measurements`: two tidy frames,
one row per value, with the days since that patient's index infusion (the analysis set's
``infusion_date``; negative before it).

The work is in two parts:

- the query part (:func:`read_measurements`, which :func:`load_measurements` calls with the analysis
  set's patients) starts from the registry's scoping helpers with the reading user, as :mod:`.loader`
  does — a centre user reads only their own centre's patients, even when the analysis set names others —
  and reads everything in four queries whatever the number of patients (patients, assessments, work-ups,
  laboratory results), as columns (:func:`remission.registry.columns.read_columns`: on PostgreSQL through
  COPY); records dated after the analysis set's cut-off stay in the database;
- the pure part (:func:`tidy_scores`, :func:`tidy_labs`, :func:`canonical_values`,
  :func:`cd4_cd8_ratios`) turns plain frames into :class:`Measurements`: days since infusion, one unit per
  analyte, the CD4/CD8 ratio.

Units: each analyte is reported in the first unit that ``registry.codes.ANALYTE_UNITS`` lists for it
(cells/µL for cell counts, g/L for immunoglobulins, % for Treg, copies/µg DNA for TRECs, 10⁹/L for
platelets). Values entered in another unit are converted when the conversion is exact (10⁹/L × 1000 =
cells/µL; mg/dL ÷ 100 = g/L); values in a unit with no such conversion (a naive CD4 count given in %,
TRECs per mL) are left out and counted in :attr:`Measurements.left_out`. The CD4/CD8 ratio
(``cd4_cd8_ratio``) is derived for each patient and day with both counts (the median of that day's
values of each), when the CD8 count is above 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from remission.registry.codes import ANALYTE_UNITS, Analyte

CD4_CD8_RATIO = "cd4_cd8_ratio"
RATIO_UNIT = "ratio"
DAY_SPAN = 1 << 24  # more days than any follow-up (45,000 years): the per-patient key of a day
# exact conversions into the analyte's reported unit: (from, to) -> factor
CONVERSIONS: Mapping[tuple[str, str], float] = MappingProxyType(
    {("10^9/L", "cells/uL"): 1000.0, ("mg/dL", "g/L"): 0.01}
)
# reported unit per analyte: the first listed in ANALYTE_UNITS; the derived ratio has none
UNITS: Mapping[str, str] = MappingProxyType(
    {**{str(code): next(iter(units)) for code, units in ANALYTE_UNITS.items()}, CD4_CD8_RATIO: RATIO_UNIT}
)
WORKUP_SCORES = ("fvc_pct", "dlco_pct")  # work-up fields read as scores of the instrument of that name
# below this many patients the record queries name them (patient_id IN …); above, every readable
# patient's records are read and the others dropped in memory (one scan beats a huge IN list)
NAME_PATIENTS_BELOW = 20_000

SCORE_COLUMNS = ("patient", "disease", "instrument", "date", "days", "score")
LAB_COLUMNS = ("patient", "disease", "analyte", "date", "days", "value", "unit")
PATIENT_COLUMNS = ("registry_id", "infusion_date", "disease")
MISSING_COLUMNS = "{what} needs the columns {needed}; got {got}"
DUPLICATE_PATIENT = "patient {registry_id} appears twice in the analysis set: one index infusion per patient"


def _check_columns(frame: pd.DataFrame, needed: tuple[str, ...], what: str) -> None:
    if not set(needed) <= set(frame.columns):
        raise ValueError(MISSING_COLUMNS.format(what=what, needed=list(needed), got=list(frame.columns)))


@dataclass(frozen=True)
class Measurements:
    """Scores and laboratory values of an analysis set's patients, by days since the index infusion.

    ``scores``: ``patient`` (registry id), ``disease``, ``instrument``, ``date``, ``days``, ``score``.
    ``labs``: ``patient``, ``disease``, ``analyte``, ``date``, ``days``, ``value`` (in ``unit``),
    ``unit`` — one unit per analyte (:data:`UNITS`), the CD4/CD8 ratio included.
    ``left_out``: lab values not reported, by "analyte in unit" (a unit with no exact conversion).
    The frames' numeric and date arrays are read-only; ``patient``, ``disease``, ``instrument``,
    ``analyte`` and ``unit`` are categorical.
    """

    scores: pd.DataFrame
    labs: pd.DataFrame
    left_out: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled (to another process) as its frames and counts; arrives read-only again."""
        return (_arrived, (self.scores, self.labs, dict(self.left_out)))

    def instruments(self) -> tuple[str, ...]:
        """Instrument codes with at least one score."""
        return tuple(sorted(str(code) for code in self.scores["instrument"].unique()))

    def analytes(self) -> tuple[str, ...]:
        """Analyte codes with at least one value (``cd4_cd8_ratio`` included)."""
        return tuple(sorted(str(code) for code in self.labs["analyte"].unique()))


def _read_only(frame: pd.DataFrame) -> pd.DataFrame:
    """The same columns, each its own array, the numeric and date ones read-only."""
    columns: dict[str, Any] = {}
    for name in frame.columns:
        values = frame[name]
        if isinstance(values.dtype, pd.CategoricalDtype):
            columns[name] = values.array
        else:
            array = values.to_numpy().copy()
            array.flags.writeable = False
            columns[name] = array
    return pd.DataFrame(columns, index=pd.RangeIndex(len(frame)), copy=False)


def _arrived(scores: pd.DataFrame, labs: pd.DataFrame, left_out: dict[str, int]) -> Measurements:
    return Measurements(_read_only(scores), _read_only(labs), MappingProxyType(left_out))


@dataclass(frozen=True)
class _IndexInfusions:
    """The analysis set's patients: registry ids (in the set's order), index infusion day, disease."""

    ids: pd.Index
    infusion: np.ndarray  # datetime64[D]
    disease: pd.Categorical

    @classmethod
    def of(cls, patients: pd.DataFrame) -> _IndexInfusions:
        _check_columns(patients, PATIENT_COLUMNS, "the analysis set")
        ids = pd.Index(patients["registry_id"].astype(str).to_numpy(dtype=object), name="registry_id")
        if ids.has_duplicates:
            raise ValueError(DUPLICATE_PATIENT.format(registry_id=ids[ids.duplicated()][0]))
        infusion = pd.to_datetime(patients["infusion_date"]).to_numpy().astype("datetime64[D]")
        return cls(ids, infusion, pd.Categorical(patients["disease"].astype(object).to_numpy()))

    def positions(self, patient: pd.Series) -> np.ndarray:
        """Position of each row's patient in the set (-1 when not in it)."""
        if isinstance(patient.dtype, pd.CategoricalDtype):
            codes = patient.cat.codes.to_numpy()
            lookup = self.ids.get_indexer(patient.cat.categories.astype(str))
            return np.where(codes >= 0, lookup[codes], -1)
        return self.ids.get_indexer(patient.astype(str))


def _dated(index: _IndexInfusions, raw: pd.DataFrame) -> tuple[dict[str, Any], np.ndarray]:
    """Patient, disease, date and days of the rows of ``raw`` whose patient is in the set; the mask of
    those rows."""
    where = index.positions(raw["patient"])
    keep = where >= 0
    rows = where[keep]
    dates = raw["date"]
    if not pd.api.types.is_datetime64_any_dtype(dates):  # datetime.date objects, strings
        dates = pd.to_datetime(dates)
    date = dates.to_numpy()[keep].astype("datetime64[D]")
    columns = {
        "patient": pd.Categorical.from_codes(rows, categories=index.ids.astype(object)),
        "disease": index.disease[rows],
        "date": date.astype("datetime64[ns]"),
        "days": (date - index.infusion[rows]).astype(np.int64),
    }
    return columns, keep


def _sorted_rows(keys: list[np.ndarray]) -> np.ndarray:
    """The stable order of the rows by ``keys`` (integers, the first the most significant): one sort of a
    single int64 key made of them when their ranges fit in 62 bits (they do for patients × codes × days),
    else ``np.lexsort``."""
    if not keys or not len(keys[0]):
        return np.arange(0)
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    room = 1
    for key in keys:
        low, high = int(key.min()), int(key.max())
        span = high - low + 1
        room *= span
        if room >= 2**62:
            return np.lexsort(keys[::-1])
        combined = combined * span + (key.astype(np.int64) - low)
    return np.argsort(combined, kind="stable")


def _in_order(columns: dict[str, Any], keys: tuple[str, ...], order: tuple[str, ...]) -> pd.DataFrame:
    """A read-only frame of ``columns`` (in ``order``), rows sorted by ``keys`` (categorical by code)."""
    sort_keys = [
        np.asarray(columns[k].codes) if isinstance(columns[k], pd.Categorical) else np.asarray(columns[k])
        for k in keys
    ]
    rows = _sorted_rows(sort_keys)
    frame: dict[str, Any] = {}
    for name in order:
        values = columns[name][rows]
        if not isinstance(values, pd.Categorical):
            values = np.asarray(values)
            values.flags.writeable = False
        frame[name] = values
    return pd.DataFrame(frame, index=pd.RangeIndex(len(rows)), copy=False)


def tidy_scores(patients: pd.DataFrame, raw: pd.DataFrame) -> pd.DataFrame:
    """Scores of the analysis set's patients with the days since their index infusion.

    ``patients``: ``registry_id``, ``infusion_date``, ``disease`` (the analysis set's frame).
    ``raw``: ``patient`` (registry id), ``date``, ``instrument``, ``score``; rows without a score and
    rows of other patients are dropped. Sorted by patient (the set's order), instrument and date.
    """
    _check_columns(raw, ("patient", "date", "instrument", "score"), "tidy_scores")
    raw = raw[raw["score"].notna()]
    columns, keep = _dated(_IndexInfusions.of(patients), raw)
    columns["instrument"] = pd.Categorical(raw["instrument"])[keep]
    columns["score"] = raw["score"].to_numpy(dtype=np.float64)[keep]
    return _in_order(columns, ("patient", "instrument", "days"), SCORE_COLUMNS)


def canonical_values(
    analyte: Any, value: Any, unit: Any
) -> tuple[np.ndarray, np.ndarray, pd.Categorical, dict[str, int]]:
    """Each value in its analyte's reported unit (:data:`UNITS`).

    Returns the converted values, the mask of the rows kept (in the reported unit, or in a unit with
    an exact conversion), each row's unit after conversion, and the number of rows left out by
    "analyte in unit". An analyte the registry does not know keeps the unit it came in.
    """
    analyte = pd.Categorical(analyte)
    unit = pd.Categorical(unit)
    value = np.asarray(value, dtype=np.float64)
    left_out: dict[str, int] = {}
    pairs, inverse = _pairs(analyte.codes.astype(np.int64) * (len(unit.categories) + 1) + unit.codes)
    counts = np.bincount(inverse, minlength=len(pairs))
    # per (analyte, unit) pair: the factor to the reported unit, kept or not, the reported unit's code
    factor = np.ones(len(pairs), dtype=np.float64)
    kept = np.zeros(len(pairs), dtype=bool)
    reported_codes = np.full(len(pairs), -1, dtype=np.int64)
    reported_units: list[str] = []
    for k, pair in enumerate(pairs.tolist()):
        code = str(analyte.categories[pair // (len(unit.categories) + 1)])
        given = str(unit.categories[pair % (len(unit.categories) + 1)])
        wanted = UNITS.get(code, given)
        if given == wanted or (given, wanted) in CONVERSIONS:
            factor[k] = CONVERSIONS.get((given, wanted), 1.0)
            kept[k] = True
            if wanted not in reported_units:
                reported_units.append(wanted)
            reported_codes[k] = reported_units.index(wanted)
        else:
            left_out[f"{code} in {given}"] = int(counts[k])
    units = pd.Categorical.from_codes(reported_codes[inverse], categories=reported_units or ["-"])
    return value * factor[inverse], kept[inverse], units, left_out


def _pairs(combined: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(combined, return_inverse=True)`` for small whole numbers (codes of a few categories
    combined), by counting instead of sorting."""
    if not len(combined):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    low = combined.min()
    present = np.bincount(combined - low) > 0
    return np.flatnonzero(present) + low, (np.cumsum(present) - 1)[combined - low]


def cd4_cd8_ratios(labs: pd.DataFrame) -> pd.DataFrame:
    """The CD4/CD8 ratio for each patient and day with both counts (medians of the day's values).

    ``labs``: ``patient``, ``date``, ``days``, ``analyte``, ``value`` in one unit per analyte, and any
    other per-patient column (``disease``), carried over. Days with a CD8 count of 0 have no ratio.
    Returns the same columns, ``analyte`` = ``cd4_cd8_ratio``, ``unit`` = "ratio".
    """
    carried = [c for c in labs.columns if c not in ("patient", "date", "days", "analyte", "value", "unit")]
    wanted = labs[labs["analyte"].isin([Analyte.CD4.value, Analyte.CD8.value]).to_numpy()]
    patient = pd.Categorical(wanted["patient"])
    days = wanted["days"].to_numpy(dtype=np.int64)
    # one integer per (patient, day): the patient's code in the high bits, the day (offset) in the low
    key = patient.codes.astype(np.int64) * DAY_SPAN + (days - days.min(initial=0))
    is_cd4 = (wanted["analyte"] == Analyte.CD4.value).to_numpy()
    values = wanted["value"].to_numpy(dtype=np.float64)
    cd4 = pd.Series(values[is_cd4]).groupby(key[is_cd4], sort=True).median()
    cd8 = pd.Series(values[~is_cd4]).groupby(key[~is_cd4], sort=True).median()
    cd8 = cd8[cd8 > 0]
    both, in_cd4, in_cd8 = np.intersect1d(cd4.index, cd8.index, assume_unique=True, return_indices=True)
    first = np.unique(key, return_index=True)[1]
    rows = first[np.searchsorted(key[first], both)]
    out = wanted.iloc[rows][["patient", "date", "days", *carried]].reset_index(drop=True)
    out["value"] = cd4.to_numpy()[in_cd4] / cd8.to_numpy()[in_cd8]
    out["analyte"] = CD4_CD8_RATIO
    out["unit"] = RATIO_UNIT
    return out[["patient", "date", "days", *carried, "analyte", "value", "unit"]]


def tidy_labs(patients: pd.DataFrame, raw: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Laboratory values of the analysis set's patients, one unit per analyte, with the CD4/CD8 ratio.

    ``raw``: ``patient`` (registry id), ``date``, ``analyte``, ``value``, ``unit``. Returns the tidy frame
    (sorted by patient, analyte and date) and the rows left out by "analyte in unit".
    """
    _check_columns(raw, ("patient", "date", "analyte", "value", "unit"), "tidy_labs")
    columns, keep = _dated(_IndexInfusions.of(patients), raw)
    analyte = pd.Categorical(raw["analyte"])[keep]
    value, converted, unit, left_out = canonical_values(
        analyte, raw["value"].to_numpy()[keep], raw["unit"][keep]
    )
    columns.update(analyte=analyte, value=value, unit=unit)
    columns = {name: values[converted] for name, values in columns.items()}
    found = pd.DataFrame(columns, copy=False)
    ratios = cd4_cd8_ratios(found[["patient", "date", "days", "disease", "analyte", "value"]])
    categories = {
        "analyte": sorted({*map(str, found["analyte"].cat.categories), CD4_CD8_RATIO}),
        "unit": sorted({*map(str, found["unit"].cat.categories), RATIO_UNIT}),
    }
    merged: dict[str, Any] = {}
    for name in LAB_COLUMNS:
        mine, theirs = found[name], ratios[name]
        if isinstance(mine.dtype, pd.CategoricalDtype):
            kinds = categories.get(name, mine.cat.categories)
            parts = [pd.Categorical(mine, categories=kinds), pd.Categorical(theirs, categories=kinds)]
            merged[name] = union_categoricals(parts)
        else:
            merged[name] = np.concatenate([mine.to_numpy(), theirs.to_numpy()])
    return _in_order(merged, ("patient", "analyte", "days"), LAB_COLUMNS), left_out


def measurements_from(
    patients: pd.DataFrame, raw_scores: pd.DataFrame, raw_labs: pd.DataFrame
) -> Measurements:
    """:class:`Measurements` from plain frames (see :func:`tidy_scores` and :func:`tidy_labs`)."""
    labs, left_out = tidy_labs(patients, raw_labs)
    return Measurements(
        scores=tidy_scores(patients, raw_scores), labs=labs, left_out=MappingProxyType(dict(left_out))
    )


# -- the query part --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawMeasurements:
    """Scores and laboratory values as read, before :func:`measurements_from` dates them against the
    index infusions: ``scores`` (``patient`` registry id, ``date``, ``instrument``, ``score``) and ``labs``
    (``patient``, ``date``, ``analyte``, ``value``, ``unit``)."""

    scores: pd.DataFrame
    labs: pd.DataFrame


def read_measurements(
    *, user: Any, cutoff: dt.date | None = None, registry_ids: Collection[str] | None = None
) -> RawMeasurements:
    """Every score and laboratory value ``user`` may read, dated on or before ``cutoff``; only those of
    the patients ``registry_ids`` names, when given (below :data:`NAME_PATIENTS_BELOW` patients the query
    names them; above, every readable patient's records are read and the others dropped here).

    Four queries whatever the number of patients (patients, assessments, work-ups, laboratory results),
    each read as columns (:func:`remission.registry.columns.read_columns`). Django must be set up.
    """
    from remission.registry.columns import Column, read_columns
    from remission.registry.models import Assessment, LabResult, WorkUp
    from remission.registry.selectors.scoping import readable_patients, readable_records

    readable = list(readable_patients(user).values_list("pk", "registry_id"))
    if registry_ids is not None:
        wanted = set(registry_ids)
        readable = [(pk, registry_id) for pk, registry_id in readable if registry_id in wanted]
    pks = np.asarray([pk for pk, _ in readable], dtype=np.int64)
    ids = pd.Index(np.asarray([registry_id for _, registry_id in readable], dtype=object), dtype=object)
    lookup = np.full(int(pks.max()) + 1 if pks.size else 1, -1, dtype=np.int64)
    lookup[pks] = np.arange(pks.size)
    name_them = registry_ids is not None and pks.size < NAME_PATIENTS_BELOW

    def records(model: type) -> Any:
        rows = readable_records(model, user)
        if cutoff is not None:
            rows = rows.filter(date__lte=cutoff)
        return rows.filter(patient_id__in=pks.tolist()) if name_them else rows

    def patient_column(patient_ids: np.ndarray) -> pd.Categorical:
        inside = patient_ids < lookup.shape[0]
        codes = np.where(inside, lookup[np.where(inside, patient_ids, 0)], -1)
        return pd.Categorical.from_codes(codes, categories=ids)

    assessed = read_columns(
        records(Assessment).filter(score__isnull=False),
        {"patient_id": "int", "date": "date", "instrument": "code", "score": "float"},
    )
    work_ups = read_columns(
        records(WorkUp), {"patient_id": "int", "date": "date", **dict.fromkeys(WORKUP_SCORES, "float")}
    )
    parts = [assessed]
    for name in WORKUP_SCORES:
        given = ~np.isnan(work_ups[name])
        parts.append(
            {
                "patient_id": work_ups["patient_id"][given],
                "date": work_ups["date"][given],
                "instrument": pd.Categorical.from_codes(np.zeros(int(given.sum()), dtype=np.int8), [name]),
                "score": work_ups[name][given],
            }
        )
    scores = {
        name: union_categoricals([part[name] for part in parts], sort_categories=True)
        if name == "instrument"
        else np.concatenate([part[name] for part in parts])
        for name in assessed
    }
    labs = read_columns(
        records(LabResult),
        {"patient_id": "int", "date": "date", "analyte": "code", "value": "float", "unit": "code"},
    )

    def frame(columns: Mapping[str, Column]) -> pd.DataFrame:
        """The columns read, ``patient_id`` turned into the ``patient`` (registry id) column, first."""
        rest = {name: values for name, values in columns.items() if name != "patient_id"}
        return pd.DataFrame({"patient": patient_column(columns["patient_id"]), **rest})

    return RawMeasurements(scores=frame(scores), labs=frame(labs))


def load_measurements(analysis_set: Any, *, user: Any) -> Measurements:
    """Scores and laboratory values of ``analysis_set``'s patients that ``user`` may read.

    ``analysis_set`` is a :class:`~remission.analysis.dataset.AnalysisSet` (its ``frame`` gives each
    patient's index infusion date and disease, its ``cutoff`` the data cut-off): :func:`read_measurements`
    then :func:`measurements_from`. Django must be set up.
    """
    patients = analysis_set.frame[list(PATIENT_COLUMNS)]
    raw = read_measurements(
        user=user, cutoff=analysis_set.cutoff, registry_ids=set(patients["registry_id"].astype(str))
    )
    return measurements_from(patients, raw.scores, raw.labs)
