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
- ``hct_ci``: the HCT-CI score, numeric (linear).
- ``performance``: "normal" = ECOG 0 or Karnofsky / Lansky ≥ 90; "reduced" = ECOG 1-4 or Karnofsky /
  Lansky ≤ 80. Two levels because the registry records ECOG at some centres and Karnofsky (Lansky under
  16) at others: the one cut both scales share is ECOG 0 ⇔ Karnofsky 90-100.
- ``intensity``: the conditioning intensity, low / intermediate / high (the registry's Intensity codes;
  "unknown" or blank is missing).
- ``era``: the era of the year of day 0 by the cohort boundaries (default ≤1999, 2000–2009, 2010–2019,
  ≥2020; :func:`remission.analysis.cohorts.era_of`).
- ``experienced``: centre experience ≥ the threshold (default 23 earlier AD-HSCT procedures), "yes"/"no".

Every factor is treatment coded with its reference level first; the reference is the most common level
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
from remission.analysis.outcomes import model_frame, reference_levels
from remission.analysis.prediction.settings import DEFAULT_PREDICTION_SETTINGS, PredictionSettings

PREDICTORS: tuple[str, ...] = (
    "age",
    "sex",
    "disease",
    "hct_ci",
    "performance",
    "intensity",
    "era",
    "experienced",
)
NUMERIC: tuple[str, ...] = ("age", "hct_ci")
FACTORS: tuple[str, ...] = tuple(p for p in PREDICTORS if p not in NUMERIC)
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


def rcs_basis(x: ArrayLike, knots: Sequence[float]) -> NDArray[np.float64]:
    """Harrell's restricted cubic spline basis with ``x`` itself first (``rcspline.eval(inclx = TRUE)``,
    ``norm = 2``): shape (n, k - 1) for k knots."""
    x = np.atleast_1d(np.asarray(x, dtype=np.float64))
    t = np.asarray(knots, dtype=np.float64)
    k = t.shape[0]
    scale = (t[-1] - t[0]) ** 2
    last, before = t[-1], t[-2]
    out = np.empty((x.shape[0], k - 1))
    out[:, 0] = x
    for j in range(k - 2):
        out[:, j + 1] = (
            np.maximum(x - t[j], 0.0) ** 3
            - np.maximum(x - before, 0.0) ** 3 * (last - t[j]) / (last - before)
            + np.maximum(x - last, 0.0) ** 3 * (before - t[j]) / (last - before)
        ) / scale
    return out


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
class DesignSpec:
    """How predictors become the design: spline knots, factor levels (reference first), the ranges the
    numeric predictors had in the fitted rows, and the era and experience rules."""

    knots: tuple[float, ...]
    age_range: tuple[float, float]
    hct_ci_range: tuple[float, float]
    factors: tuple[Factor, ...]
    era_boundaries: tuple[int, ...]
    experience_threshold: int

    def factor(self, name: str) -> Factor:
        return next(f for f in self.factors if f.name == name)

    @property
    def columns(self) -> tuple[str, ...]:
        """The design columns in order (R ``model.matrix`` style: factor name followed by the level)."""
        out: list[str] = []
        for name in PREDICTORS:
            if name == "age":
                out += ["age", *("age" + "'" * (j + 1) for j in range(len(self.knots) - 2))]
            elif name == "hct_ci":
                out.append("hct_ci")
            else:
                out += self.factor(name).columns
        return tuple(out)

    def encode(self, predictors: pd.DataFrame | Mapping[str, Any]) -> NDArray[np.float64]:
        """The design rows for coded predictors (the columns of :func:`predictor_frame`, or one mapping);
        every value must be present and every level known (checked by the caller for candidates)."""
        frame = predictors if isinstance(predictors, pd.DataFrame) else pd.DataFrame([dict(predictors)])
        blocks: list[NDArray[np.float64]] = []
        for name in PREDICTORS:
            if name == "age":
                blocks.append(rcs_basis(frame["age"].to_numpy(dtype=np.float64), self.knots))
            elif name == "hct_ci":
                blocks.append(frame["hct_ci"].to_numpy(dtype=np.float64)[:, None])
            else:
                levels = self.factor(name).levels
                values = frame[name].astype("object").to_numpy()
                unknown = {v for v in values if v not in levels}
                if unknown:
                    raise ValueError(
                        f"{name}: level(s) {sorted(map(str, unknown))} not in the model {levels}"
                    )
                blocks.append(
                    np.column_stack([values == level for level in levels[1:]]).astype(np.float64)
                    if len(levels) > 1
                    else np.empty((len(frame), 0))
                )
        return np.column_stack(blocks) if blocks else np.empty((len(frame), 0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "knots": list(self.knots),
            "age_range": list(self.age_range),
            "hct_ci_range": list(self.hct_ci_range),
            "factors": [{"name": f.name, "levels": list(f.levels)} for f in self.factors],
            "era_boundaries": list(self.era_boundaries),
            "experience_threshold": self.experience_threshold,
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

    Reads ``age``, ``sex``, ``disease``, ``hct_ci``, ``performance_scale`` and ``performance_score``,
    ``intensity``, ``infusion_year`` (else the year of ``infusion_date``) and ``centre_experience`` (else
    the boolean ``experienced``). ``experienced`` is kept boolean (as in the analysis set) and ``era`` an
    ordered Categorical (chronological); the other factors are strings (in alphabetical order).
    """
    out = pd.DataFrame(index=frame.index)
    out["age"] = pd.to_numeric(_column(frame, "age", "age"), errors="coerce").astype("float64")
    sex = _column(frame, "sex", "sex").astype("object")
    out["sex"] = sex.where(sex.isin(SEXES)).astype("object")
    disease = _column(frame, "disease", "disease").astype("object")
    out["disease"] = disease.where(disease.notna() & (disease != "")).astype("object")
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
    columns are :attr:`DesignSpec.columns`, index kept)."""
    knots = settings.knots or spline_knots(predictors["age"], settings.knot_quantiles)
    references = reference_levels(predictors, FACTORS)
    ordered = model_frame(predictors, FACTORS, references=references)
    factors: list[Factor] = []
    for name in FACTORS:
        if name in ordered.columns:
            levels = tuple(str(level) for level in ordered[name].cat.categories)
        else:  # one level only: no column, but the level is the model's
            present = predictors[name].dropna().unique()
            levels = tuple(_level(v) for v in present)
        factors.append(Factor(name, levels))
    spec = DesignSpec(
        knots=tuple(float(k) for k in knots),
        age_range=(float(predictors["age"].min()), float(predictors["age"].max())),
        hct_ci_range=(float(predictors["hct_ci"].min()), float(predictors["hct_ci"].max())),
        factors=tuple(factors),
        era_boundaries=tuple(settings.era_boundaries),
        experience_threshold=int(settings.experience_threshold),
    )
    coded = as_levels(predictors)
    matrix = spec.encode(coded)
    return spec, pd.DataFrame(matrix, columns=list(spec.columns), index=predictors.index)


def _level(value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    return str(value)


def as_levels(predictors: pd.DataFrame) -> pd.DataFrame:
    """The coded predictors with every factor as its level string (``experienced`` "yes"/"no")."""
    out = predictors.copy()
    for name in FACTORS:
        column = predictors[name]
        if pd.api.types.is_bool_dtype(column.dtype):
            levels = column.astype("object").map({True: "yes", False: "no"})
        else:
            levels = column.astype("object").map(str, na_action="ignore")
        out[name] = levels.astype("object").where(column.notna(), None)
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
