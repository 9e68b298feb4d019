"""Covariate balance between treated and untreated units, before and after weighting or matching.

:func:`balance_table` gives, for every numeric column and every level of every factor column (as a 0/1
indicator, named ``<column><level>`` as R's ``model.matrix``), the group means, the standardised mean
difference and the variance ratio, unweighted ("before") and with the given weights ("after").

Definitions (those of R's ``MatchIt::summary.matchit``; with ``sd_denominator = "pooled"`` also cobalt's
default):

* weighted mean ``sum(w x) / sum(w)`` within each group;
* variance: for a 0/1 variable ``p (1 - p)``; otherwise ``sum(w (x - m)^2) / (1 - sum(w^2))`` with ``w``
  normalised to sum to 1 (the unbiased sample variance when unweighted);
* standardised mean difference ``(mean_treated - mean_control) / SD`` where the SD is always computed
  **unweighted in the full sample** (so that before and after are on the same scale): ``"treated"`` the
  treated group's SD (MatchIt's choice for the ATT, i.e. after matching), ``"control"`` the untreated
  group's (ATC), ``"pooled"`` ``sqrt((var_treated + var_control) / 2)`` (ATE and overlap weights; the
  default here). A mean difference below ``sqrt(machine epsilon)`` in absolute value is reported
  unstandardised (as MatchIt);
* variance ratio ``var_treated / var_control`` (weighted likewise); not given (NaN) for 0/1 variables.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from remission.survival.design import _is_factor
from remission.survival.propensity import check_treated
from remission.survival.validation import NEGATIVE_WEIGHT, SurvivalInputError, as_float_array, check_length

SdDenominator = Literal["pooled", "treated", "control"]

_EPS = float(np.sqrt(np.finfo(float).eps))


def balance_columns(X: pd.DataFrame) -> pd.DataFrame:
    """Numeric columns as they are and one 0/1 column per level of each factor (all levels kept)."""
    if not isinstance(X, pd.DataFrame):
        raise SurvivalInputError(f"X must be a pandas DataFrame, got {type(X).__name__}")
    pieces: dict[str, NDArray[np.float64]] = {}
    for column in X.columns:
        series = X[column]
        name = str(column)
        missing = series.isna().to_numpy()
        if missing.any():
            rows = np.flatnonzero(missing)
            raise SurvivalInputError(
                f"X column {name!r} has {rows.size} missing value(s), first at row {int(rows[0])}"
            )
        if _is_factor(series):
            if isinstance(series.dtype, pd.CategoricalDtype):
                present = set(series.unique())
                levels = [level for level in series.cat.categories if level in present]
            else:
                levels = sorted(series.unique())
            values = series.to_numpy(dtype=object)
            for level in levels:
                label = ("TRUE" if level else "FALSE") if isinstance(level, bool | np.bool_) else str(level)
                pieces[f"{name}{label}"] = (values == level).astype(np.float64)
        else:
            pieces[name] = np.asarray(series, dtype=np.float64)
    return pd.DataFrame(pieces, index=X.index)


def _check_weights(weights: ArrayLike | None, n: int) -> NDArray[np.float64] | None:
    if weights is None:
        return None
    raw = getattr(weights, "weights", weights)  # a Weights or Matching result, or an array
    w = as_float_array(raw, "weights")
    check_length(w, n, "weights", reference="X")
    negative = w < 0
    if negative.any():
        row = int(np.flatnonzero(negative)[0])
        raise SurvivalInputError(NEGATIVE_WEIGHT.format(row=row, value=w[row]))
    return w


def _wmean(x: NDArray[np.float64], w: NDArray[np.float64]) -> float:
    return float(np.sum(w * x) / np.sum(w))


def _wvar(x: NDArray[np.float64], w: NDArray[np.float64], binary: bool) -> float:
    w = w / np.sum(w)
    mean = float(np.sum(w * x))
    if binary:
        return mean * (1.0 - mean)
    return float(np.sum(w * (x - mean) ** 2) / (1.0 - np.sum(w**2)))


def balance_table(
    X: pd.DataFrame,
    treated: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    sd_denominator: SdDenominator = "pooled",
) -> pd.DataFrame:
    """Standardised mean differences and variance ratios, before and (with ``weights``) after.

    Parameters
    ----------
    X : pandas.DataFrame
        Covariates; factors (categorical, text, boolean columns) are shown level by level as proportions.
    treated : array_like of 0/1
    weights : array_like, Weights or Matching, optional
        Balancing weights (:func:`~remission.survival.propensity.balancing_weights`) or matching weights
        (:func:`~remission.survival.matching.nearest_neighbour_match`); units with weight 0 are left out.
    sd_denominator : {"pooled", "treated", "control"}
        The SD that standardises the mean difference, always unweighted in the full sample (see the module
        notes). Use ``"treated"`` for ATT weights or matching (this equals ``summary(matchit)``), ``"pooled"``
        for ATE or overlap weights.

    Returns
    -------
    pandas.DataFrame
        Indexed by term, with columns ``binary``, ``mean_treated_before``, ``mean_control_before``,
        ``smd_before``, ``var_ratio_before`` and, with weights, the same four ``_after``.
    """
    columns = balance_columns(X)
    t = check_treated(treated, len(columns))
    w = _check_weights(weights, len(columns))
    if sd_denominator not in ("pooled", "treated", "control"):
        raise SurvivalInputError(
            f"sd_denominator must be one of ['pooled', 'treated', 'control'], got {sd_denominator!r}"
        )
    is_t = t == 1
    if w is not None:
        for group, mask in (("treated", is_t), ("untreated", ~is_t)):
            if not np.any(w[mask] > 0):
                raise SurvivalInputError(f"weights are all zero among the {group} units")
    ones = np.ones(len(columns))
    rows = []
    for name in columns.columns:
        x = columns[name].to_numpy()
        binary = bool(np.all((x == 0) | (x == 1)))
        sd = _sd(x, is_t, binary, sd_denominator)
        row: dict[str, object] = {"term": name, "binary": binary}
        for label, weight in (("before", ones), ("after", w)):
            if weight is None:
                continue
            m1 = _wmean(x[is_t], weight[is_t])
            m0 = _wmean(x[~is_t], weight[~is_t])
            diff = m1 - m0
            row[f"mean_treated_{label}"] = m1
            row[f"mean_control_{label}"] = m0
            row[f"smd_{label}"] = diff / sd if abs(diff) > _EPS else diff
            if binary:
                row[f"var_ratio_{label}"] = np.nan
            else:
                kept1, kept0 = is_t & (weight > 0), ~is_t & (weight > 0)
                row[f"var_ratio_{label}"] = _wvar(x[kept1], weight[kept1], False) / _wvar(
                    x[kept0], weight[kept0], False
                )
        rows.append(row)
    return pd.DataFrame(rows).set_index("term")


def _sd(x: NDArray[np.float64], is_t: NDArray[np.bool_], binary: bool, denominator: str) -> float:
    v1 = _wvar(x[is_t], np.ones(int(is_t.sum())), binary)
    v0 = _wvar(x[~is_t], np.ones(int((~is_t).sum())), binary)
    if denominator == "treated":
        return float(np.sqrt(v1))
    if denominator == "control":
        return float(np.sqrt(v0))
    return float(np.sqrt((v1 + v0) / 2.0))


def weighted_means_by_group(
    X: pd.DataFrame, treated: ArrayLike, weights: ArrayLike | None = None
) -> pd.DataFrame:
    """Weighted means of every covariate (factor levels as proportions) in the treated and untreated groups.

    Returns
    -------
    pandas.DataFrame
        Indexed by term, columns ``treated`` and ``control``: ``sum(w x) / sum(w)`` within each group
        (unweighted when ``weights`` is None).
    """
    columns = balance_columns(X)
    t = check_treated(treated, len(columns))
    w = _check_weights(weights, len(columns))
    if w is None:
        w = np.ones(len(columns))
    is_t = t == 1
    for group, mask in (("treated", is_t), ("untreated", ~is_t)):
        if not np.any(w[mask] > 0):
            raise SurvivalInputError(f"weights are all zero among the {group} units")
    values = columns.to_numpy()
    treated_means = (w[is_t] @ values[is_t]) / w[is_t].sum()
    control_means = (w[~is_t] @ values[~is_t]) / w[~is_t].sum()
    return pd.DataFrame({"treated": treated_means, "control": control_means}, index=columns.columns)
