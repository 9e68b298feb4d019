"""Small result objects shared by the nonparametric estimators."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray


@dataclass(frozen=True)
class CurvePoints:
    """A curve read off at chosen times (right-continuous step function), shape ``(len(time),)`` each."""

    time: NDArray[np.float64]
    estimate: NDArray[np.float64]
    std_err: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "time": self.time,
                "estimate": self.estimate,
                "std_err": self.std_err,
                "lower": self.lower,
                "upper": self.upper,
            }
        )


@dataclass(frozen=True)
class QuantileEstimate:
    """A quantile of the event time (e.g. the median) with its confidence limits; NaN when not reached."""

    probability: float
    estimate: float
    lower: float
    upper: float

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([vars(self)])


@dataclass(frozen=True)
class RestrictedMean:
    """Restricted mean survival time up to ``tau`` with its standard error and a Wald interval."""

    tau: float
    estimate: float
    std_err: float
    lower: float
    upper: float
    conf_level: float

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([vars(self)])
