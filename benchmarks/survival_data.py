"""Registry-like data for the survival benchmarks.

Two flavours of the same cohort:

* ``"tied days"`` — times are whole days (as a registry records them), so many patients share a time;
* ``"continuous"`` — the same hazards on a continuous clock, so no two times tie.

Nine covariates (age, sex, two disease indicators against "other diseases", HCT-CI >= 3, era,
intensity, centre experience, CD34 dose), none a linear combination of the others,
an event indicator for overall survival and a competing-risks cause (1 = relapse/progression,
2 = non-relapse death, 0 = censored). Everything comes from one seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

COVARIATES: tuple[str, ...] = (
    "age",
    "male",
    "ssc",
    "ms",
    "hct_ci_high",
    "era_recent",
    "high_intensity",
    "experienced_centre",
    "cd34_dose",
)
FLAVOURS: tuple[str, ...] = ("tied days", "continuous")


@dataclass(frozen=True)
class SurvivalData:
    """One benchmark data set: covariates ``X`` (n × 9) and the outcome columns."""

    X: pd.DataFrame
    time: np.ndarray
    event: np.ndarray
    cause: np.ndarray

    @property
    def n(self) -> int:
        return int(self.time.shape[0])

    def to_frame(self) -> pd.DataFrame:
        frame = self.X.copy()
        frame["time"] = self.time
        frame["event"] = self.event
        frame["cause"] = self.cause
        return frame


def registry_like(n: int, flavour: str = "tied days", seed: int = 1) -> SurvivalData:
    """Simulate ``n`` patients with exponential cause-specific hazards and uniform censoring."""
    if flavour not in FLAVOURS:
        raise ValueError(f"flavour must be one of {FLAVOURS}, not {flavour!r}")
    rng = np.random.default_rng(seed)
    disease = rng.choice(3, size=n, p=[0.4, 0.45, 0.15])
    X = pd.DataFrame(
        {
            "age": rng.normal(42.0, 12.0, n).round(1),
            "male": rng.integers(0, 2, n),
            "ssc": (disease == 0).astype(np.int64),
            "ms": (disease == 1).astype(np.int64),
            "hct_ci_high": (rng.random(n) < 0.15).astype(np.int64),
            "era_recent": rng.integers(0, 2, n),
            "high_intensity": rng.integers(0, 2, n),
            "experienced_centre": rng.integers(0, 2, n),
            "cd34_dose": rng.gamma(4.0, 1.2, n).round(2),
        }
    )
    beta_relapse = np.array([-0.01, 0.1, 0.3, -0.2, 0.4, -0.2, -0.3, -0.1, 0.0])
    beta_nrm = np.array([0.03, 0.2, 0.5, -0.4, 0.5, -0.5, 0.4, -0.5, -0.05])
    Z = X.to_numpy(dtype=float)
    Z[:, 0] = (Z[:, 0] - 42.0) / 10.0
    rate_relapse = 1.0e-4 * np.exp(Z @ beta_relapse)
    rate_nrm = 2.0e-5 * np.exp(Z @ beta_nrm)
    t_relapse = rng.exponential(1.0 / rate_relapse)
    t_nrm = rng.exponential(1.0 / rate_nrm)
    t_censor = rng.uniform(30.0, 15.0 * 365.25, n)
    time = np.minimum(np.minimum(t_relapse, t_nrm), t_censor)
    cause = np.where(time == t_censor, 0, np.where(time == t_relapse, 1, 2)).astype(np.int64)
    if flavour == "tied days":
        time = np.ceil(time)
    event = (cause > 0).astype(np.int64)
    return SurvivalData(X=X, time=time, event=event, cause=cause)
