"""The settings of the prediction models (which patients, which predictors' coding, which horizons)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from itertools import pairwise
from typing import Any

from remission.analysis.cohorts import DEFAULT_COHORT_SETTINGS

YEAR = 365.25  # days, as the standard analysis (remission.analysis.outcomes.YEAR)

KNOTS_NOT_INCREASING = "spline knot quantiles must be at least 3, increasing and within (0, 1), not {value!r}"
FIXED_KNOTS = "spline knots must be at least 3 and increasing, not {value!r}"
TOO_FEW_PATIENTS = "min_patients_per_disease must be at least 1, not {value!r}"
TOO_FEW_PER_SUBTYPE = "min_patients_per_subtype must be at least 1, not {value!r}"


@dataclass(frozen=True)
class PredictionSettings:
    """What the prediction models are fitted on and how the predictors are coded.

    ``diseases``/``eras``: the diseases (registry codes) and eras (labels of :func:`era_labels` for
    ``era_boundaries``) fitted on; None keeps every one. ``min_patients_per_disease``: a disease with fewer
    complete-case patients is left out of the fit, and a candidate with it is refused.
    ``min_patients_per_subtype`` ◐ (an assumption, not from a source): within each disease of the model, a
    subtype (the diagnosis's subtype code) with at least this many fitted patients gets its own column,
    relative to the disease's most common subtype; an unrecorded subtype, or one with fewer patients, is
    pooled with that most common subtype (:mod:`.design`). 50 keeps a subtype's column to groups large
    enough to carry a few events each in a small registry; a subtype never makes a patient incomplete.
    ``knot_quantiles``: the quantiles of age at day 0 (in the fitted rows; R's ``quantile`` type 7) at
    which the restricted cubic spline of age has its knots; ``knots`` (years) overrides them.
    ``era_boundaries`` (the first year of each era after the first) and ``experience_threshold`` (earlier
    procedures at the centre for "experienced") default to the cohort settings of the analysis set.
    Horizons are in days: OS and PFS at 1 and 5 years, NRM at 100 days and 1 year.
    """

    diseases: tuple[str, ...] | None = None
    eras: tuple[str, ...] | None = None
    min_patients_per_disease: int = 30
    min_patients_per_subtype: int = 50
    knot_quantiles: tuple[float, ...] = (0.10, 0.50, 0.90)
    knots: tuple[float, ...] | None = None
    era_boundaries: tuple[int, ...] = DEFAULT_COHORT_SETTINGS.era_boundaries
    experience_threshold: int = DEFAULT_COHORT_SETTINGS.experience_threshold
    os_horizons: tuple[float, ...] = (YEAR, 5 * YEAR)
    pfs_horizons: tuple[float, ...] = (YEAR, 5 * YEAR)
    nrm_horizons: tuple[float, ...] = (100.0, YEAR)
    conf_level: float = 0.95
    min_events_per_parameter: float = 5.0

    def __post_init__(self) -> None:
        q = self.knot_quantiles
        if len(q) < 3 or any(b <= a for a, b in pairwise(q)) or q[0] <= 0 or q[-1] >= 1:
            raise ValueError(KNOTS_NOT_INCREASING.format(value=q))
        k = self.knots
        if k is not None and (len(k) < 3 or any(b <= a for a, b in pairwise(k))):
            raise ValueError(FIXED_KNOTS.format(value=k))
        if self.min_patients_per_disease < 1:
            raise ValueError(TOO_FEW_PATIENTS.format(value=self.min_patients_per_disease))
        if self.min_patients_per_subtype < 1:
            raise ValueError(TOO_FEW_PER_SUBTYPE.format(value=self.min_patients_per_subtype))

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PredictionSettings:
        return cls(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in data.items()})


DEFAULT_PREDICTION_SETTINGS = PredictionSettings()
