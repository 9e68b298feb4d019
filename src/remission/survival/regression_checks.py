"""Checks, messages and warnings specific to the regression models (:func:`cox`, :func:`fine_gray`).

The shared array checks live in :mod:`remission.survival.validation`; this module adds the rules that
only a regression model needs (a design matrix, enough events, a cause to model) and the
:class:`ConvergenceWarning` raised when Newton-Raphson does not settle.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from remission.survival.validation import SurvivalInputError

GROUP_SHAPE = "{name} must be one-dimensional with {n} rows, got shape {shape}"
GROUP_MISSING = "{name} has a missing value at row {row}"
NO_VARIANCE = "covariate {name!r} has no variance: it cannot be estimated (drop it from X)"
NO_VARIANCE_IN_RISK_SETS = (
    "covariate {name!r} does not vary within any risk set: it cannot be estimated (drop it from X)"
)
COLLINEAR = (
    "covariate {name!r} is a linear combination of the covariates before it (collinear; R would give NA): "
    "drop it or another column of that combination"
)
X_NOT_TWO_DIMENSIONAL = "X must be one- or two-dimensional, got shape {shape}"
X_ROWS = "X has {got} rows but time has {expected}"
X_NOT_FINITE = "covariate {name!r} has {count} missing or infinite value(s), first at row {row}"
X_NOT_NUMERIC = "covariate {name!r} has dtype {dtype}, which is neither numeric, boolean nor categorical"
X_NO_COLUMNS = "X has no columns: at least one covariate is needed"
X_CATEGORY_MISSING = "covariate {name!r} has {count} missing value(s), first at row {row}"
DUPLICATE_NAME = "two design columns are both named {name!r}; rename one of the covariates"
TOO_FEW_EVENTS = "only {events} event(s) for {p} coefficient(s): at least one event is needed to fit a model"
CAUSE_ABSENT = "cause_of_interest {cause} does not occur in cause (causes present: {present})"
NEW_X_COLUMNS = "new_X has columns {got}, but the model was fitted on {expected}"
NEW_X_WIDTH = "new_X has {got} column(s) but the model has {expected} coefficient(s)"
NEW_STRATA_UNKNOWN = "stratum {value!r} of new_strata was not in the fitted data"
NEW_STRATA_NEEDED = "the model is stratified: give new_strata, one stratum per row of new_X"
NOT_CONVERGED = (
    "Newton-Raphson did not converge in {iterations} iterations (|1 - L_old/L_new| = {change:.3g})"
)
INFINITE_COEF = (
    "coefficient {names} may be infinite: the log-likelihood converged while it was still moving "
    "(monotone likelihood, usually a covariate that perfectly separates those with events from those "
    "still at risk)"
)
FG_NOT_CONVERGED = (
    "Fine-Gray Newton-Raphson did not converge in {iterations} iterations (max |score| = {score:.3g})"
)
LINE_SEARCH_FAILED = "Fine-Gray line search failed after 20 step halvings at iteration {iteration}"


class ConvergenceWarning(RuntimeWarning):
    """Newton-Raphson stopped without meeting the convergence rule, or a coefficient looks infinite."""


def check_design_values(X: NDArray[np.float64], names: list[str], n: int) -> None:
    """Finite values, the right number of rows, and no constant column (named in the error)."""
    if X.shape[0] != n:
        raise SurvivalInputError(X_ROWS.format(got=X.shape[0], expected=n))
    if X.shape[1] == 0:
        raise SurvivalInputError(X_NO_COLUMNS)
    if not np.isfinite(X).all():
        bad = ~np.isfinite(X)
        column = int(np.flatnonzero(bad.any(axis=0))[0])
        rows = np.flatnonzero(bad[:, column])
        raise SurvivalInputError(X_NOT_FINITE.format(name=names[column], count=rows.size, row=int(rows[0])))
    constant = X.min(axis=0) == X.max(axis=0)
    if constant.any():
        raise SurvivalInputError(NO_VARIANCE.format(name=names[int(np.flatnonzero(constant)[0])]))
    _check_collinear(X, names)


def _check_collinear(X: NDArray[np.float64], names: list[str]) -> None:
    """Sequential Cholesky of the correlation matrix: a column whose residual variance, given the
    columns before it, is below 1e-9 of its own is aliased (the idea of R's ``cholesky2`` tolerance)."""
    gram = _centred_cross_product(X)
    scale = np.sqrt(np.diag(gram))
    if not scale.all():  # distinct values whose spread underflows (subnormal numbers): no variance
        raise SurvivalInputError(NO_VARIANCE.format(name=names[int(np.flatnonzero(scale == 0.0)[0])]))
    gram = gram / np.outer(scale, scale)
    p = gram.shape[0]
    L = np.zeros((p, p))
    for j in range(p):
        residual = gram[j, j] - L[j, :j] @ L[j, :j]
        if residual <= 1e-9:
            raise SurvivalInputError(COLLINEAR.format(name=names[j]))
        L[j, j] = np.sqrt(residual)
        L[j + 1 :, j] = (gram[j + 1 :, j] - L[j + 1 :, :j] @ L[j, :j]) / L[j, j]


def _centred_cross_product(X: NDArray[np.float64], block_rows: int = 4096) -> NDArray[np.float64]:
    """(X - mean)' (X - mean), centred block by block (no n x p temporary)."""
    mean = X.mean(axis=0)
    out = np.zeros((X.shape[1], X.shape[1]))
    for start in range(0, X.shape[0], block_rows):
        block = X[start : start + block_rows] - mean
        out += block.T @ block
    return out


def check_events(n_event: int, p: int) -> None:
    if n_event < 1:
        raise SurvivalInputError(TOO_FEW_EVENTS.format(events=n_event, p=p))
