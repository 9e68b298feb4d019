"""Cohorts: the columns a cohort is chosen by (era, centre experience) and the filters themselves.

- **Era** of the infusion year, by boundaries that are a setting: the default (2000, 2010, 2020) gives
  ≤1999, 2000–2009, 2010–2019, ≥2020 (the eras of EBMT's autoimmune-disease reports).
- **Centre experience** = the number of earlier autoimmune-disease HSCT procedures at the same centre
  (infusions of an HSC product — autologous or allogeneic — of any patient the reader may see, dated
  strictly before the infusion). [@Snowden2017, abstract] ✔: better PFS with
  ≥ 23 AD transplants per centre (P = .001); the threshold is a setting. The registry only counts
  what it holds: procedures done before a centre joined are not counted, and a centre user's view counts
  their own centre completely.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd
from django.utils.translation import gettext_noop

from remission.analysis.words import Words, words
from remission.registry.codes import ProductType

BOUNDARIES_NOT_INCREASING = "era boundaries must be increasing years, not {value!r}"
COLUMN_WORDS = {  # a cohort column inside a sentence (a covariate, a grouping), marked for translators
    "age": gettext_noop("age"),
    "sex": gettext_noop("sex"),
    "subtype": gettext_noop("disease subtype"),
    "disease": gettext_noop("disease"),
    "era": gettext_noop("era of infusion"),
    "hct_ci": gettext_noop("HCT-CI"),
    "experienced": gettext_noop("centre experience"),
    "intensity": gettext_noop("conditioning intensity"),
}
_KEY_SPAN = 10**7  # more days than any registry spans
UNKNOWN_COLUMN = "cannot compare groups by {column!r}: not a column of the cohort ({known})"


@dataclass(frozen=True)
class CohortSettings:
    """``era_boundaries``: the first year of each era after the first. ``experience_threshold``: a centre
    with at least this many earlier procedures is 'experienced' ([@Snowden2017, abstract]: 23)."""

    era_boundaries: tuple[int, ...] = (2000, 2010, 2020)
    experience_threshold: int = 23
    experience_products: frozenset[str] = frozenset(
        {ProductType.AUTOLOGOUS_HSC.value, ProductType.ALLOGENEIC_HSC.value}
    )

    def __post_init__(self) -> None:
        b = self.era_boundaries
        if not b or any(later <= earlier for earlier, later in pairwise(b)):
            raise ValueError(BOUNDARIES_NOT_INCREASING.format(value=b))


DEFAULT_COHORT_SETTINGS = CohortSettings()


def column_words(name: str) -> Words:
    """A cohort column in words inside a sentence ("era of infusion"); an unknown one by its name."""
    return words(COLUMN_WORDS.get(name, name.replace("_", " ")))


def era_labels(boundaries: tuple[int, ...]) -> list[str]:
    """The era labels in order: ``≤1999``, ``2000–2009``, …, ``≥2020`` for the default boundaries."""
    labels = [f"≤{boundaries[0] - 1}"]
    labels += [f"{lo}–{hi - 1}" for lo, hi in pairwise(boundaries)]
    labels.append(f"≥{boundaries[-1]}")
    return labels


def era_of(years: pd.Series | np.ndarray, boundaries: tuple[int, ...]) -> pd.Categorical:
    """The era of each year, an ordered categorical over :func:`era_labels`."""
    labels = era_labels(boundaries)
    index = np.searchsorted(np.asarray(boundaries), np.asarray(years, dtype=np.int64), side="right")
    return pd.Categorical.from_codes(index, categories=labels, ordered=True)


def centre_experience(
    infusions: pd.DataFrame, *, products: Collection[str] = DEFAULT_COHORT_SETTINGS.experience_products
) -> pd.Series:
    """Earlier procedures at the same centre for each infusion.

    ``infusions``: columns ``infusion_id``, ``centre``, ``date`` (datetime64), ``product_type`` — every
    infusion known, not only the analysed ones. Returns a Series indexed by ``infusion_id``.
    """
    codes, _ = pd.factorize(infusions["centre"])
    days = infusions["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    # one sortable key per (centre, day): centre code in the high part, days since 1970 in the low part
    key = codes.astype(np.int64) * _KEY_SPAN + (days - days.min() if days.size else days)
    is_procedure = infusions["product_type"].isin(list(products)).to_numpy()
    procedure_keys = np.sort(key[is_procedure])
    centre_start = codes.astype(np.int64) * _KEY_SPAN
    # strictly before: procedures on the same day do not count for each other
    earlier = np.searchsorted(procedure_keys, key, side="left") - np.searchsorted(
        procedure_keys, centre_start, side="left"
    )
    return pd.Series(earlier, index=pd.Index(infusions["infusion_id"], name="infusion_id"), dtype="int64")


def add_cohort_columns(
    frame: pd.DataFrame, infusions: pd.DataFrame, settings: CohortSettings = DEFAULT_COHORT_SETTINGS
) -> pd.DataFrame:
    """A copy of ``frame`` (endpoint rows) with ``infusion_year``, ``era``, ``centre_experience`` and
    ``experienced`` (centre experience ≥ the threshold)."""
    out = frame.copy()
    out["infusion_year"] = out["infusion_date"].dt.year.astype("int64")
    out["era"] = era_of(out["infusion_year"], settings.era_boundaries)
    experience = centre_experience(infusions, products=settings.experience_products)
    out["centre_experience"] = out["infusion_id"].map(experience).astype("Int64")
    out["experienced"] = (out["centre_experience"] >= settings.experience_threshold).astype("boolean")
    return out


Choice = str | Collection[str] | None


def _among(column: pd.Series, wanted: Choice) -> pd.Series:
    values = [wanted] if isinstance(wanted, str) else list(wanted or ())
    return column.astype("object").isin(values)


@dataclass(frozen=True)
class Cohort:
    """Who is analysed. Every criterion left at None keeps everyone; strings match one value, collections
    any of them. ``age_min`` ≤ age < ``age_max`` (years at infusion); ``infusion_from`` ≤ infusion date ≤
    ``infusion_to``; ``experienced`` True/False selects centres at or above / below the threshold. The
    data cut-off is not a filter but a property of the endpoints: pass it when loading."""

    disease: Choice = None
    subtype: Choice = None
    centre: Choice = None
    country: Choice = None
    era: Choice = None
    sex: Choice = None
    intensity: Choice = None
    product_type: Choice = None
    age_min: float | None = None
    age_max: float | None = None
    infusion_from: dt.date | None = None
    infusion_to: dt.date | None = None
    experienced: bool | None = None
    min_centre_experience: int | None = None


def _words(wanted: object) -> str:
    if isinstance(wanted, str | int | float | bool | dt.date):
        return str(wanted)
    return ", ".join(str(v) for v in wanted)  # type: ignore[attr-defined]


def criteria(frame: pd.DataFrame, cohort: Cohort) -> list[tuple[str, str, pd.Series]]:
    """Each criterion of ``cohort`` that is set, in a fixed order: (name, the values wanted in words, which
    rows of ``frame`` meet it). :func:`select` keeps the rows meeting all; the patient flow counts the rows
    each one leaves out in turn."""
    out: list[tuple[str, str, pd.Series]] = []
    for name in ("disease", "subtype", "centre", "country", "era", "sex", "intensity", "product_type"):
        wanted = getattr(cohort, name)
        if wanted is not None:
            out.append((name, f"{name.replace('_', ' ')}: {_words(wanted)}", _among(frame[name], wanted)))
    if cohort.age_min is not None:
        out.append(("age_min", f"age ≥ {cohort.age_min:g}", frame["age"] >= cohort.age_min))
    if cohort.age_max is not None:
        out.append(("age_max", f"age < {cohort.age_max:g}", frame["age"] < cohort.age_max))
    if cohort.infusion_from is not None:
        when = frame["infusion_date"] >= pd.Timestamp(cohort.infusion_from)
        out.append(("infusion_from", f"infused from {cohort.infusion_from.isoformat()}", when))
    if cohort.infusion_to is not None:
        when = frame["infusion_date"] <= pd.Timestamp(cohort.infusion_to)
        out.append(("infusion_to", f"infused until {cohort.infusion_to.isoformat()}", when))
    if cohort.experienced is not None:
        meets = (frame["experienced"] == cohort.experienced).fillna(False).astype(bool)
        out.append(("experienced", "experienced centre" if cohort.experienced else "less experienced", meets))
    if cohort.min_centre_experience is not None:
        meets = (frame["centre_experience"] >= cohort.min_centre_experience).fillna(False).astype(bool)
        out.append(("min_centre_experience", f"≥ {cohort.min_centre_experience} earlier procedures", meets))
    return out


def select(frame: pd.DataFrame, cohort: Cohort) -> pd.DataFrame:
    """The rows of ``frame`` in ``cohort`` (a new frame, index reset)."""
    keep = pd.Series(True, index=frame.index)
    for _, _, meets in criteria(frame, cohort):
        keep &= meets.to_numpy()
    return frame[keep.to_numpy()].reset_index(drop=True)


def split(frame: pd.DataFrame, by: str) -> dict[object, pd.DataFrame]:
    """The cohort split into groups by one column (rows with the column missing are left out)."""
    if by not in frame.columns:
        raise KeyError(UNKNOWN_COLUMN.format(column=by, known=", ".join(map(str, frame.columns))))
    groups = frame.dropna(subset=[by]).groupby(by, observed=True, sort=True)
    return {label: rows.reset_index(drop=True) for label, rows in groups}
