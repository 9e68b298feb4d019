"""Predictors → design matrix of the prediction models; the coding is data (:class:`DesignSpec`).

Predictors, in design order (:data:`PREDICTORS`), as coded here:

- ``age``: age at day 0 in years, a restricted cubic spline (Harrell's parametrisation, as R's
  ``Hmisc::rcspline.eval(x, knots, inclx = TRUE)`` with its default ``norm = 2`` and ``rms::rcs``):
  the columns ``age`` (linear) and, for knots t_1 < … < t_k and j = 1 … k-2,

      age'(j) = [(x - t_j)+^3 - (x - t_{k-1})+^3 (t_k - t_j)/(t_k - t_{k-1})
                 + (x - t_k)+^3 (t_{k-1} - t_j)/(t_k - t_{k-1})] / (t_k - t_1)^2,

  linear beyond the outer knots. Knots: by default at the 10th, 50th and 90th percentiles of age in the
  fitted rows (R's default ``quantile`` type 7, NumPy's "linear"); a setting.
- ``sex``: female / male (unknown is missing).
- ``disease``: the registry's disease code; reference = the most frequent disease.
- ``subtype``: the primary diagnosis's subtype code, nested within disease (:class:`Subtypes`). For each
  disease of the model, its reference is its most common recorded subtype in the fitted rows (ties: the
  first alphabetically), and every other subtype with at least ``min_patients_per_subtype`` fitted
  patients (a setting, ◐) gets an indicator column ``disease<code>:subtype<code>`` (R's name for the
  column of a ``disease:subtype`` interaction), in alphabetical order. A patient whose subtype is
  unrecorded ("" — also a code that is not one of the disease's subtypes in
  :data:`remission.clinical.diseases.DISEASES`, a frame without the column, or a disease without
  subtypes) or rarer than the minimum is coded as the reference: the disease's column then describes the
  reference subtype pooled with the unrecorded and rare ones. Subtype is never missing, so it never makes
  a patient an incomplete case; a disease with no subtype over the minimum besides its reference has no
  subtype column.
- ``hct_ci``: the HCT-CI score, numeric (linear).
- ``performance``: "normal" = ECOG 0 or Karnofsky / Lansky ≥ 90; "reduced" = ECOG 1-4 or Karnofsky /
  Lansky ≤ 80. Two levels because the registry records ECOG at some centres and Karnofsky (Lansky under
  16) at others: the one cut both scales share is ECOG 0 ⇔ Karnofsky 90-100.
- ``intensity``: the conditioning intensity, low / intermediate / high (the registry's Intensity codes;
  "unknown" or blank is missing).
- ``era``: the era of the year of day 0 by the cohort boundaries (default ≤1999, 2000–2009, 2010–2019,
  ≥2020; :func:`remission.analysis.cohorts.era_of`).
- ``experienced``: centre experience ≥ the threshold (default 23 earlier AD-HSCT procedures), "yes"/"no".

Every other factor is treatment coded with its reference level first; the reference is the most common level
in the fitted rows (ties: the first in the factor's own order), the rule of the standard analysis
(:func:`remission.analysis.outcomes.reference_levels`). A factor level absent from the fitted rows is not
in the model (a candidate with it is refused).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from remission.analysis.cohorts import era_labels, era_of
from remission.analysis.prediction.settings import DEFAULT_PREDICTION_SETTINGS, PredictionSettings
from remission.clinical.diseases import DISEASES
from remission.survival.splines import rcs_basis

PREDICTORS: tuple[str, ...] = (
    "age",
    "sex",
    "disease",
    "subtype",
    "hct_ci",
    "performance",
    "intensity",
    "era",
    "experienced",
)
NUMERIC: tuple[str, ...] = ("age", "hct_ci")
NESTED: tuple[str, ...] = ("subtype",)  # coded within disease (:class:`Subtypes`), never missing
FACTORS: tuple[str, ...] = tuple(p for p in PREDICTORS if p not in NUMERIC and p not in NESTED)
UNRECORDED = ""  # the subtype of a patient or candidate whose subtype is not recorded
SEXES: tuple[str, ...] = ("female", "male")
INTENSITIES: tuple[str, ...] = ("low", "intermediate", "high")
PERFORMANCE_LEVELS: tuple[str, ...] = ("normal", "reduced")
PERFORMANCE_SCALES: dict[str, tuple[int, int]] = {"ecog": (0, 4), "karnofsky": (0, 100), "lansky": (0, 100)}
KNOTS_TIED = "the age spline knots {knots} are not strictly increasing: too few distinct ages"
FRAME_COLUMN_MISSING = "the frame has no column {name!r} (needed for the predictor {predictor!r})"


def performance_group(scale: object, score: object) -> str | None:
    """The performance-status level: "normal" (ECOG 0, Karnofsky/Lansky ≥ 90) or "reduced" (ECOG 1-4,
    Karnofsky/Lansky ≤ 80); None when the scale or score is missing or out of the scale's range."""
    group = _performance_groups(pd.Series([scale], dtype="object"), pd.Series([score], dtype="object"))
    return group.iloc[0]


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and np.isnan(value)


def spline_knots(age: ArrayLike, quantiles: Sequence[float]) -> tuple[float, ...]:
    """Knots at ``quantiles`` of ``age`` (type 7, as R's ``quantile``); strictly increasing or an error."""
    knots = tuple(float(k) for k in np.quantile(np.asarray(age, dtype=np.float64), list(quantiles)))
    if any(b <= a for a, b in pairwise(knots)):
        raise ValueError(KNOTS_TIED.format(knots=knots))
    return knots


@dataclass(frozen=True)
class Factor:
    """A factor predictor and its levels in the model, the reference first."""

    name: str
    levels: tuple[str, ...]

    @property
    def reference(self) -> str:
        return self.levels[0]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f"{self.name}{level}" for level in self.levels[1:])


@dataclass(frozen=True)
class Subtypes:
    """The subtypes of one disease in the model: the reference (the disease's most common subtype, with
    which unrecorded and rare subtypes are pooled) first, then each subtype with its own column."""

    disease: str
    levels: tuple[str, ...]

    @property
    def reference(self) -> str:
        return self.levels[0]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f"disease{self.disease}:subtype{level}" for level in self.levels[1:])


@dataclass(frozen=True)
class DesignSpec:
    """How predictors become the design: spline knots, factor levels (reference first), the ranges the
    numeric predictors had in the fitted rows, the era and experience rules, and the modelled subtypes of
    each disease that has any (:class:`Subtypes`; none in a model set stored before subtypes)."""

    knots: tuple[float, ...]
    age_range: tuple[float, float]
    hct_ci_range: tuple[float, float]
    factors: tuple[Factor, ...]
    era_boundaries: tuple[int, ...]
    experience_threshold: int
    subtypes: tuple[Subtypes, ...] = ()

    def factor(self, name: str) -> Factor:
        return next(f for f in self.factors if f.name == name)

    def subtypes_of(self, disease: str) -> Subtypes | None:
        """The modelled subtypes of ``disease``, or None when it has no subtype column."""
        return next((s for s in self.subtypes if s.disease == disease), None)

    @property
    def columns(self) -> tuple[str, ...]:
        """The design columns in order (R ``model.matrix`` style: factor name followed by the level)."""
        out: list[str] = []
        for name in PREDICTORS:
            if name == "age":
                out += ["age", *("age" + "'" * (j + 1) for j in range(len(self.knots) - 2))]
            elif name == "hct_ci":
                out.append("hct_ci")
            elif name == "subtype":
                out += [column for entry in self.subtypes for column in entry.columns]
            else:
                out += self.factor(name).columns
        return tuple(out)

    def encode(
        self,
        predictors: pd.DataFrame | Mapping[str, Any],
        *,
        level_index: Mapping[str, NDArray[np.int64]] | None = None,
    ) -> NDArray[np.float64]:
        """The design rows for coded predictors (the columns of :func:`predictor_frame`, or one mapping);
        every value must be present and every level known (checked by the caller for candidates). A
        subtype without a column of its disease (unrecorded, rare, or not modelled) is coded as the
        disease's reference subtype: zeros in every subtype column. ``level_index``: for each factor,
        each row's position in the factor's levels when the caller has it (:func:`build_design`); the
        factor columns are then not read."""
        frame = predictors if isinstance(predictors, pd.DataFrame) else pd.DataFrame([dict(predictors)])
        blocks: list[NDArray[np.float64]] = []
        for name in PREDICTORS:
            if level_index is not None and name in level_index:
                levels = self.factor(name).levels
                blocks.append((level_index[name][:, None] == np.arange(1, len(levels))).astype(np.float64))
            elif name == "age":
                blocks.append(rcs_basis(frame["age"].to_numpy(dtype=np.float64), self.knots))
            elif name == "hct_ci":
                blocks.append(frame["hct_ci"].to_numpy(dtype=np.float64)[:, None])
            elif name == "subtype":
                blocks.append(self._subtype_block(frame))
            else:
                levels = self.factor(name).levels
                column = frame[name]
                if isinstance(column.dtype, pd.CategoricalDtype):  # recoded, no string hashed again
                    codes = column.cat.set_categories(list(levels)).cat.codes.to_numpy()
                else:
                    codes = pd.Categorical(column.astype("object").to_numpy(), categories=list(levels)).codes
                if (codes < 0).any():  # -1: not a level
                    unknown = set(column.astype("object").to_numpy()[codes < 0])
                    raise ValueError(
                        f"{name}: level(s) {sorted(map(str, unknown))} not in the model {levels}"
                    )
                blocks.append((codes[:, None] == np.arange(1, len(levels))).astype(np.float64))
        return np.column_stack(blocks) if blocks else np.empty((len(frame), 0))

    def _subtype_block(self, frame: pd.DataFrame) -> NDArray[np.float64]:
        width = sum(len(entry.levels) - 1 for entry in self.subtypes)
        block = np.zeros((len(frame), width))
        if not width:
            return block
        disease = _column(frame, "disease", "subtype").astype("object").to_numpy()
        subtype = _column(frame, "subtype", "subtype").astype("object").to_numpy()
        j = 0
        for entry in self.subtypes:
            of_disease = disease == entry.disease
            for level in entry.levels[1:]:
                block[:, j] = of_disease & (subtype == level)
                j += 1
        return block

    def to_dict(self) -> dict[str, Any]:
        return {
            "knots": list(self.knots),
            "age_range": list(self.age_range),
            "hct_ci_range": list(self.hct_ci_range),
            "factors": [{"name": f.name, "levels": list(f.levels)} for f in self.factors],
            "era_boundaries": list(self.era_boundaries),
            "experience_threshold": self.experience_threshold,
            "subtypes": [{"disease": s.disease, "levels": list(s.levels)} for s in self.subtypes],
            "columns": list(self.columns),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DesignSpec:
        spec = cls(
            knots=tuple(float(k) for k in data["knots"]),
            age_range=(float(data["age_range"][0]), float(data["age_range"][1])),
            hct_ci_range=(float(data["hct_ci_range"][0]), float(data["hct_ci_range"][1])),
            factors=tuple(Factor(f["name"], tuple(f["levels"])) for f in data["factors"]),
            era_boundaries=tuple(int(b) for b in data["era_boundaries"]),
            experience_threshold=int(data["experience_threshold"]),
            subtypes=tuple(
                Subtypes(str(s["disease"]), tuple(str(level) for level in s["levels"]))
                for s in data.get("subtypes", ())
            ),
        )
        if "columns" in data and tuple(data["columns"]) != spec.columns:
            raise ValueError(f"design columns {data['columns']} do not follow from the spec {spec.columns}")
        return spec


def _column(frame: pd.DataFrame, name: str, predictor: str) -> pd.Series:
    if name not in frame.columns:
        raise KeyError(FRAME_COLUMN_MISSING.format(name=name, predictor=predictor))
    return frame[name]


def predictor_frame(
    frame: pd.DataFrame, settings: PredictionSettings = DEFAULT_PREDICTION_SETTINGS
) -> pd.DataFrame:
    """The predictors of each row of an analysis set, coded (missing stays missing; index kept).

    Reads ``age``, ``sex``, ``disease``, ``subtype`` (a frame without it records none), ``hct_ci``,
    ``performance_scale`` and ``performance_score``, ``intensity``, ``infusion_year`` (else the year of
    ``infusion_date``) and ``centre_experience`` (else the boolean ``experienced``). ``experienced`` is
    kept boolean (as in the analysis set) and ``era`` an ordered Categorical (chronological); the other
    factors are strings (in alphabetical order). ``subtype`` is the subtype code where it is one of the
    disease's subtypes (``DISEASES``), else :data:`UNRECORDED` (""): never missing.
    """
    out = pd.DataFrame(index=frame.index)
    out["age"] = pd.to_numeric(_column(frame, "age", "age"), errors="coerce").astype("float64")
    sex = _column(frame, "sex", "sex").astype("object")
    out["sex"] = sex.where(sex.isin(SEXES)).astype("object")
    disease = _column(frame, "disease", "disease").astype("object")
    out["disease"] = disease.where(disease.notna() & (disease != "")).astype("object")
    out["subtype"] = _subtype_codes(out["disease"], frame["subtype"] if "subtype" in frame.columns else None)
    out["hct_ci"] = pd.to_numeric(_column(frame, "hct_ci", "hct_ci"), errors="coerce").astype("float64")
    out["performance"] = _performance_groups(
        _column(frame, "performance_scale", "performance"), _column(frame, "performance_score", "performance")
    )
    intensity = _column(frame, "intensity", "intensity").astype("object")
    out["intensity"] = intensity.where(intensity.isin(INTENSITIES)).astype("object")
    if "infusion_year" in frame.columns:
        years = pd.to_numeric(frame["infusion_year"], errors="coerce")
    else:
        years = pd.to_datetime(_column(frame, "infusion_date", "era")).dt.year
    codes = np.full(len(frame), -1, dtype=np.int64)
    known = years.notna().to_numpy()
    if known.any():
        codes[known] = era_of(years[known].astype("int64").to_numpy(), settings.era_boundaries).codes
    out["era"] = pd.Categorical.from_codes(
        codes, categories=era_labels(settings.era_boundaries), ordered=True
    )
    if "centre_experience" in frame.columns:
        count = pd.to_numeric(frame["centre_experience"], errors="coerce")
        experienced = (count >= settings.experience_threshold).astype("boolean").mask(count.isna())
    else:
        experienced = pd.array(_column(frame, "experienced", "experienced"), dtype="boolean")
    out["experienced"] = pd.Series(experienced, index=frame.index)
    return out


def build_design(
    predictors: pd.DataFrame, settings: PredictionSettings = DEFAULT_PREDICTION_SETTINGS
) -> tuple[DesignSpec, pd.DataFrame]:
    """The design spec fitted on complete-case coded predictors, and the design (a float frame whose
    columns are :attr:`DesignSpec.columns`, index kept). The subtypes modelled: :func:`subtype_levels`
    with ``settings.min_patients_per_subtype`` (none when the frame has no ``subtype`` column)."""
    knots = settings.knots or spline_knots(predictors["age"], settings.knot_quantiles)
    fitted = {name: _fitted_factor(name, predictors[name]) for name in FACTORS}
    factors = [factor for factor, _ in fitted.values()]
    spec = DesignSpec(
        knots=tuple(float(k) for k in knots),
        age_range=(float(predictors["age"].min()), float(predictors["age"].max())),
        hct_ci_range=(float(predictors["hct_ci"].min()), float(predictors["hct_ci"].max())),
        factors=tuple(factors),
        era_boundaries=tuple(settings.era_boundaries),
        experience_threshold=int(settings.experience_threshold),
        subtypes=(
            subtype_levels(
                predictors["disease"],
                predictors["subtype"],
                next(f.levels for f in factors if f.name == "disease"),
                settings.min_patients_per_subtype,
            )
            if "subtype" in predictors.columns
            else ()
        ),
    )
    matrix = spec.encode(predictors, level_index={name: index for name, (_, index) in fitted.items()})
    return spec, pd.DataFrame(matrix, columns=list(spec.columns), index=predictors.index)


def subtype_levels(
    disease: pd.Series, subtype: pd.Series, diseases: Sequence[str], minimum: int
) -> tuple[Subtypes, ...]:
    """The modelled subtypes of each of ``diseases`` (in that order) among rows with these ``disease`` and
    ``subtype`` codes (:data:`UNRECORDED` or missing: not recorded): the reference is the disease's most
    common recorded subtype (ties: the first alphabetically), then, alphabetically, every other subtype of
    at least ``minimum`` rows. A disease with none besides its reference is left out (no column)."""
    subtype = subtype.astype("object")
    recorded = (subtype.notna() & (subtype != UNRECORDED)).to_numpy()
    if not recorded.any():
        return ()
    counts = pd.DataFrame(
        {"disease": disease.astype("object").to_numpy()[recorded], "subtype": subtype.to_numpy()[recorded]}
    ).value_counts()
    by_disease: dict[str, dict[str, int]] = {}
    for (code, level), n in counts.items():
        by_disease.setdefault(str(code), {})[str(level)] = int(n)
    out: list[Subtypes] = []
    for code in diseases:
        found = by_disease.get(code)
        if not found:
            continue
        reference = min(found, key=lambda level: (-found[level], level))
        others = sorted(level for level, n in found.items() if n >= minimum and level != reference)
        if others:
            out.append(Subtypes(code, (reference, *others)))
    return tuple(out)


def _subtype_codes(disease: pd.Series, subtype: pd.Series | None) -> pd.Series:
    """Each row's subtype code where it is one of its disease's subtypes in the catalogue, else
    :data:`UNRECORDED`; vectorised (the pairs are looked up once per distinct disease and code)."""
    out = np.full(len(disease), UNRECORDED, dtype=object)
    if subtype is not None:
        d_codes, d_uniques = pd.factorize(disease.astype("object"))
        s_codes, s_uniques = pd.factorize(subtype.astype("object"))
        valid = np.array(
            [
                [str(s) in DISEASES[d].subtypes if d in DISEASES else False for s in s_uniques]
                for d in d_uniques
            ],
            dtype=bool,
        ).reshape(len(d_uniques), len(s_uniques))
        keep = (d_codes >= 0) & (s_codes >= 0)
        keep[keep] = valid[d_codes[keep], s_codes[keep]]
        out[keep] = subtype.astype("object").to_numpy()[keep]
    return pd.Series(out, index=disease.index, dtype="object")


def _level(value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    return str(value)


def _level_codes(column: pd.Series) -> tuple[NDArray[np.int64], tuple[str, ...], bool]:
    """A factor column as integer codes (-1 where missing), the level string of each code and whether
    the codes are in the factor's own order (an ordered Categorical's: era) rather than first seen."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy(dtype=np.int64)
        return codes, tuple(_level(c) for c in column.cat.categories), True
    codes, uniques = pd.factorize(column.astype("object"))
    return codes.astype(np.int64), tuple(_level(v) for v in uniques), False


def _fitted_factor(name: str, column: pd.Series) -> tuple[Factor, NDArray[np.int64]]:
    """A factor's levels in complete-case fitted rows: the reference first (the most common level, ties
    broken by the factor's own order: era chronological, the others alphabetical), then the other levels
    present in that order; the rule of :func:`remission.analysis.outcomes.reference_levels`, counted on
    integer codes. A factor with one level present keeps it (and has no column). Also each row's
    position in those levels."""
    codes, labels, ordered = _level_codes(column)
    if (codes < 0).any():
        raise ValueError(
            f"{name}: missing in {int((codes < 0).sum())} row(s); the design needs complete cases"
        )
    counts = np.bincount(codes, minlength=len(labels))
    present = [i for i in range(len(labels)) if counts[i] > 0]
    natural = present if ordered else sorted(present, key=lambda i: labels[i])
    reference = max(natural, key=lambda i: (counts[i], -natural.index(i)))
    chosen = (reference, *(i for i in natural if i != reference))
    position = np.full(len(labels), -1, dtype=np.int64)
    position[list(chosen)] = np.arange(len(chosen))
    return Factor(name, tuple(labels[i] for i in chosen)), position[codes]


def as_levels(predictors: pd.DataFrame) -> pd.DataFrame:
    """The coded predictors with every factor as its level string (``experienced`` "yes"/"no")."""
    out = predictors.copy()
    for name in FACTORS:
        codes, labels, _ = _level_codes(predictors[name])
        strings = np.array([*labels, None], dtype=object)  # code -1 (missing) reads the last: None
        out[name] = pd.Series(strings[codes], index=predictors.index, dtype="object")
    return out


def as_categories(predictors: pd.DataFrame) -> pd.DataFrame:
    """The coded predictors (:func:`predictor_frame` or :func:`as_levels`) with every factor held as a
    Categorical of its level strings, in alphabetical order (a Categorical already, such as ``era``, is
    kept). The levels, the reference and the design are those of the plain columns (:func:`_fitted_factor`
    orders the levels of a factor that is not a Categorical alphabetically too), but each string is hashed
    once: the validation's bootstrap draws the same rows 200 times."""
    out = predictors.copy()
    for name in FACTORS:
        if isinstance(out[name].dtype, pd.CategoricalDtype):
            continue
        codes, labels, _ = _level_codes(out[name])
        strings = np.array([*labels, None], dtype=object)  # code -1 (missing) reads the last: None
        out[name] = pd.Categorical(strings[codes], categories=sorted(set(labels)))
    return out


def _performance_groups(scales: pd.Series, scores: pd.Series) -> pd.Series:
    """:func:`performance_group` of each row, vectorised (the same levels, None where it gives None)."""
    scale = scales.astype("object")
    score = pd.to_numeric(scores, errors="coerce")
    in_range = {
        name: (scale == name) & score.between(low, high) for name, (low, high) in PERFORMANCE_SCALES.items()
    }
    ecog = in_range["ecog"]
    percent = in_range["karnofsky"] | in_range["lansky"]
    value = score.to_numpy(dtype=np.float64, na_value=np.nan)
    group = np.full(len(scales), None, dtype=object)
    is_ecog, is_percent = ecog.to_numpy(dtype=bool), percent.to_numpy(dtype=bool)
    group[is_ecog] = np.where(value[is_ecog] == 0, "normal", "reduced")
    group[is_percent] = np.where(value[is_percent] >= 90, "normal", "reduced")
    return pd.Series(group, index=scales.index, dtype="object")
