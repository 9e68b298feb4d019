"""Pieces shared by the Cox and Fine-Gray results: chi-square tests, the coefficient table, the
Newton-Raphson linear algebra and option checks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import linalg, stats

from remission.survival.regression_checks import GROUP_MISSING, GROUP_SHAPE
from remission.survival.validation import SurvivalInputError


@dataclass(frozen=True)
class ChiSquareTest:
    """A chi-square test: ``statistic`` on ``df`` degrees of freedom with upper-tail ``p_value``."""

    statistic: float
    df: int
    p_value: float

    @classmethod
    def of(cls, statistic: float, df: int) -> ChiSquareTest:
        return cls(float(statistic), int(df), float(stats.chi2.sf(statistic, df)))


def solve_information(info: NDArray[np.float64], score: NDArray[np.float64]) -> NDArray[np.float64]:
    """Newton step ``info^{-1} score`` by Cholesky; least squares if ``info`` is not positive definite.

    R's ``cholesky2`` instead zeroes the pivots of singular columns, so a singular fit gives NA there.
    """
    try:
        return linalg.cho_solve(linalg.cho_factor(info, lower=True, check_finite=True), score)
    except (linalg.LinAlgError, ValueError):
        return np.linalg.lstsq(info, score, rcond=None)[0]


def invert_information(info: NDArray[np.float64]) -> NDArray[np.float64]:
    """The inverse of the information matrix (the model-based variance)."""
    try:
        factor = linalg.cho_factor(info, lower=True, check_finite=True)
        return linalg.cho_solve(factor, np.eye(info.shape[0]))
    except (linalg.LinAlgError, ValueError):
        return np.linalg.pinv(info)


def wald_table(
    coef: NDArray[np.float64], se: NDArray[np.float64], conf_level: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """z, two-sided normal p-value and Wald confidence limits (``coef ± z_{1-α/2} se``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = coef / se
    p_value = 2.0 * stats.norm.sf(np.abs(z))
    quantile = stats.norm.ppf(0.5 + conf_level / 2.0)
    conf_int = np.column_stack([coef - quantile * se, coef + quantile * se])
    return z, p_value, conf_int


def coefficient_frame(
    names: list[str],
    coef: NDArray[np.float64],
    se: NDArray[np.float64],
    robust_se: NDArray[np.float64] | None,
    z: NDArray[np.float64],
    p_value: NDArray[np.float64],
    conf_int: NDArray[np.float64],
) -> pd.DataFrame:
    """One row per term: coef, exp(coef), se, robust se, z, p, lower, upper (limits on the coef scale)."""
    return pd.DataFrame(
        {
            "coef": coef,
            "exp_coef": np.exp(coef),
            "se": se,
            "robust_se": np.full(coef.shape, np.nan) if robust_se is None else robust_se,
            "z": z,
            "p": p_value,
            "lower": conf_int[:, 0],
            "upper": conf_int[:, 1],
        },
        index=pd.Index(names, name="term"),
    )


def group_codes(values: ArrayLike | None, n: int, name: str) -> tuple[NDArray[np.int64], NDArray[np.object_]]:
    """Integer codes 0..k-1 (sorted levels) for a strata / cluster / group vector of length ``n``."""
    if values is None:
        return np.zeros(n, dtype=np.int64), np.array([None], dtype=object)
    array = np.asarray(values)
    if array.ndim != 1 or array.shape[0] != n:
        raise SurvivalInputError(GROUP_SHAPE.format(name=name, n=n, shape=array.shape))
    if pd.isna(pd.Series(array)).any():
        row = int(np.flatnonzero(pd.isna(pd.Series(array)).to_numpy())[0])
        raise SurvivalInputError(GROUP_MISSING.format(name=name, row=row))
    codes, levels = pd.factorize(pd.Series(array), sort=True)
    return codes.astype(np.int64), np.asarray(levels, dtype=object)
