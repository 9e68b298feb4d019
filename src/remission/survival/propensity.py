"""Propensity scores by logistic regression, and the weights built from them.

:func:`propensity_score` fits ``P(treated = 1 | X)`` by iteratively reweighted least squares, the algorithm of
R's ``glm(family = binomial)``, and returns the same fitted probabilities. Factor columns are treatment-coded
by :func:`remission.survival.design.design_matrix`; continuous columns are expanded into natural cubic
splines with the knots of R's ``splines::ns(x, df = spline_df)``: boundary knots at the minimum and maximum,
``spline_df - 1`` interior knots at the quantiles ``1/spline_df, 2/spline_df, ...`` (R's default quantile
type 7). The basis used here is :func:`remission.survival.splines.rcs_basis` with those knots, which spans the
same space as ``ns()``'s B-spline basis; the fitted probabilities are therefore R's, but the spline
coefficients are those of a different basis and are not comparable with R's ``ns()`` coefficients.

:func:`balancing_weights` turns scores into inverse-probability weights (ATE, ATT, ATC) or overlap weights
(Li, Morgan & Zaslavsky 2018), optionally stabilised and after trimming by a stated rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

from remission.survival.design import _is_factor, design_matrix
from remission.survival.splines import rcs_basis
from remission.survival.validation import SurvivalInputError, as_float_array, check_length

Estimand = Literal["ATE", "ATT", "ATC", "overlap"]

NOT_ZERO_ONE = "treated must be 0 or 1 (booleans accepted); row {row} is {value!r}"
ONE_GROUP = "treated has only {value} in it: both treated (1) and untreated (0) units are needed"
X_MISSING = "X column {name!r} has {count} missing value(s), first at row {row}"
X_CONSTANT = "X column {name!r} is constant ({value!r}): it cannot enter the propensity model"
NOT_SPLINE_COLUMN = "spline_columns names {name!r}, which is {why}"
KNOTS_NOT_DISTINCT = (
    "X column {name!r}: the natural-spline knots {knots} are not distinct (quantiles coincide); "
    "use a smaller spline_df or leave the column out of spline_columns"
)
BAD_DF = "spline_df must be a whole number >= 1, got {value!r}"
SEPARATION_LEVEL = (
    "perfect separation: every unit with {name} = 1 is {group}, so its coefficient is infinite; "
    "merge or drop that level"
)
SEPARATION = (
    "perfect or quasi-complete separation: the fitted logit reaches {value:.1f} at row {row} "
    "(|logit| > {limit}); the groups are (almost) perfectly predicted by X"
)
RANK_DEFICIENT = (
    "the propensity design is rank deficient (columns {names} are linearly dependent on the others)"
)
NOT_CONVERGED = "IRLS did not converge in {iterations} iterations (relative deviance change {change:.2e})"
SCORE_RANGE = "score must lie strictly between 0 and 1; row {row} is {value}"
BAD_TRIM = "trim must be None, 'crump' or a pair (low, high) with 0 <= low < high <= 1, got {value!r}"
ALL_TRIMMED = "trimming rule {rule!r} leaves {n1} treated and {n0} untreated units: both groups need units"
STABILISED_OVERLAP = "stabilised applies to the inverse-probability estimands (ATE, ATT, ATC), not to overlap"

_LOGIT_LIMIT = 30.0
_EPS = float(np.finfo(float).eps)


@dataclass(frozen=True)
class PropensityModel:
    """A fitted logistic propensity model.

    Attributes
    ----------
    coefficients : pandas.Series
        Estimates on the design columns (intercept first). Spline columns are named ``<column>`` (the linear
        part) and ``<column>'1, <column>'2, ...`` (restricted cubic terms); they are not R's ``ns()``
        coefficients, although the fitted scores are R's.
    scores : ndarray
        Fitted probabilities of treatment, one per row of ``X``.
    linear_predictor : ndarray
        The fitted logits.
    converged, iterations
        IRLS convergence (relative deviance change below ``tol``) and the number of iterations used.
    knots : dict
        For each spline-expanded column, all knots (boundary first and last).
    deviance : float
        Residual deviance, ``-2 log L``.
    """

    coefficients: pd.Series
    scores: NDArray[np.float64]
    linear_predictor: NDArray[np.float64]
    converged: bool
    iterations: int
    knots: dict[str, tuple[float, ...]]
    deviance: float
    spline_df: int
    column_names: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Weights:
    """Balancing weights.

    Attributes
    ----------
    weights : ndarray
        One weight per unit; 0 for units removed by trimming.
    estimand : str
        ``"ATE"``, ``"ATT"``, ``"ATC"`` or ``"overlap"``.
    stabilised : bool
        Whether the weights were multiplied by the marginal group proportions (among the kept units).
    kept : ndarray of bool
        Units inside the trimming rule.
    n_trimmed : int
        Units removed by trimming.
    trim_bounds : tuple of float or None
        The score interval kept, ``(low, high)``, or None without trimming.
    rule : str
        The weighting and trimming rule in words.
    """

    weights: NDArray[np.float64]
    estimand: str
    stabilised: bool
    kept: NDArray[np.bool_]
    n_trimmed: int
    trim_bounds: tuple[float, float] | None
    rule: str


def check_treated(values: ArrayLike, n: int | None = None, name: str = "treated") -> NDArray[np.int64]:
    """A 0/1 treatment indicator with both groups present (booleans accepted)."""
    raw = np.asarray(values)
    if raw.ndim != 1:
        raise SurvivalInputError(f"{name} must be one-dimensional, got shape {raw.shape}")
    try:
        array = raw.astype(np.float64)
    except (TypeError, ValueError):
        bad = next(i for i, v in enumerate(raw) if not _is_zero_one(v))
        raise SurvivalInputError(NOT_ZERO_ONE.format(row=bad, value=_plain(raw[bad]))) from None
    bad_mask = ~((array == 0) | (array == 1))
    if bad_mask.any():
        row = int(np.flatnonzero(bad_mask)[0])
        raise SurvivalInputError(NOT_ZERO_ONE.format(row=row, value=_plain(raw[row])))
    if n is not None:
        check_length(array, n, name, reference="X")
    if array.min() == array.max():
        raise SurvivalInputError(ONE_GROUP.format(value=int(array[0])))
    return array.astype(np.int64)


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def _is_zero_one(value: object) -> bool:
    try:
        return float(value) in (0.0, 1.0)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def natural_spline_knots(x: NDArray[np.float64], df: int) -> NDArray[np.float64]:
    """Knots of R's ``ns(x, df)`` (no intercept): range ends and ``df - 1`` interior quantiles (type 7)."""
    interior = np.quantile(x, np.arange(1, df) / df) if df > 1 else np.empty(0)
    return np.concatenate([[x.min()], interior, [x.max()]])


def _check_frame(X: pd.DataFrame) -> None:
    for column in X.columns:
        series = X[column]
        missing = series.isna().to_numpy()
        if missing.any():
            rows = np.flatnonzero(missing)
            raise SurvivalInputError(X_MISSING.format(name=str(column), count=rows.size, row=int(rows[0])))
        if not _is_factor(series):
            bad = ~np.isfinite(np.asarray(series, dtype=np.float64))
            if bad.any():
                rows = np.flatnonzero(bad)
                raise SurvivalInputError(
                    X_MISSING.format(name=str(column), count=rows.size, row=int(rows[0]))
                )
        if series.nunique() < 2:
            raise SurvivalInputError(X_CONSTANT.format(name=str(column), value=series.iloc[0]))


def _spline_set(X: pd.DataFrame, spline_columns: Sequence[str] | None) -> list[str]:
    numeric = [str(c) for c in X.columns if not _is_factor(X[c])]
    if spline_columns is None:
        return [c for c in numeric if X[c].nunique() > 2]
    chosen = [str(c) for c in spline_columns]
    for name in chosen:
        if name not in X.columns:
            raise SurvivalInputError(NOT_SPLINE_COLUMN.format(name=name, why="not a column of X"))
        if name not in numeric:
            raise SurvivalInputError(NOT_SPLINE_COLUMN.format(name=name, why="not numeric (a factor)"))
        if X[name].nunique() <= 2:
            raise SurvivalInputError(NOT_SPLINE_COLUMN.format(name=name, why="binary"))
    return chosen


def propensity_design(
    X: pd.DataFrame, *, spline_df: int = 3, spline_columns: Sequence[str] | None = None
) -> tuple[NDArray[np.float64], list[str], dict[str, tuple[float, ...]]]:
    """The model matrix of :func:`propensity_score` (with intercept), its column names and the knots."""
    if not isinstance(X, pd.DataFrame):
        raise SurvivalInputError(f"X must be a pandas DataFrame, got {type(X).__name__}")
    if isinstance(spline_df, bool) or not isinstance(spline_df, int | np.integer) or spline_df < 1:
        raise SurvivalInputError(BAD_DF.format(value=spline_df))
    if X.shape[1] == 0 or len(X) == 0:
        raise SurvivalInputError("X has no columns or no rows")
    _check_frame(X)
    splined = set(_spline_set(X, spline_columns))
    blocks: list[NDArray[np.float64]] = [np.ones((len(X), 1))]
    names = ["(Intercept)"]
    knots: dict[str, tuple[float, ...]] = {}
    for column in X.columns:
        name = str(column)
        if name in splined:
            x = np.asarray(X[column], dtype=np.float64)
            k = natural_spline_knots(x, int(spline_df))
            if np.any(np.diff(k) <= 0):
                raise SurvivalInputError(KNOTS_NOT_DISTINCT.format(name=name, knots=[float(v) for v in k]))
            knots[name] = tuple(float(v) for v in k)
            basis = rcs_basis(x, k)
            blocks.append(basis)
            names += [name] + [f"{name}'{j}" for j in range(1, basis.shape[1])]
        else:
            matrix, block_names, _ = design_matrix(X[[column]])
            blocks.append(matrix)
            names += block_names
    return np.column_stack(blocks), names, knots


def _irls(
    Z: NDArray[np.float64], y: NDArray[np.float64], tol: float, max_iter: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], float, bool, int, float]:
    mu = (y + 0.5) / 2.0  # glm's starting values for the binomial family
    eta = np.log(mu / (1.0 - mu))
    deviance_old = _deviance(y, mu)
    beta = np.zeros(Z.shape[1])
    change = np.inf
    for iteration in range(1, max_iter + 1):
        w = np.maximum(mu * (1.0 - mu), _EPS)  # as R's binomial()$mu.eta floor
        z = eta + (y - mu) / w
        sw = np.sqrt(w)
        beta, *_ = np.linalg.lstsq(Z * sw[:, None], z * sw, rcond=None)
        eta = Z @ beta
        mu = np.clip(expit(eta), _EPS, 1.0 - _EPS)  # as R's binomial()$linkinv bounds
        deviance = _deviance(y, mu)
        change = abs(deviance - deviance_old) / (abs(deviance) + 0.1)
        deviance_old = deviance
        if change < tol:
            return beta, eta, deviance, True, iteration, change
    return beta, eta, deviance_old, False, max_iter, change


def _deviance(y: NDArray[np.float64], mu: NDArray[np.float64]) -> float:
    mu = np.clip(mu, 1e-300, 1.0 - 1e-16)
    return float(-2.0 * np.sum(y * np.log(mu) + (1.0 - y) * np.log1p(-mu)))


def propensity_score(
    X: pd.DataFrame,
    treated: ArrayLike,
    *,
    spline_df: int = 3,
    spline_columns: Sequence[str] | None = None,
    tol: float = 1e-12,
    max_iter: int = 100,
) -> PropensityModel:
    """Fit the logistic propensity model ``treated ~ X`` (R's ``glm(family = binomial)``).

    Parameters
    ----------
    X : pandas.DataFrame
        Covariates. Categorical, object (text) and boolean columns are factors (treatment-coded, first level
        the reference, as R). Numeric columns with more than two distinct values are expanded as natural cubic
        splines unless ``spline_columns`` says otherwise; binary numeric columns enter linearly.
    treated : array_like of 0/1
        1 for the treated (e.g. regimen B), 0 for the comparison group.
    spline_df : int, default 3
        Degrees of freedom per spline column, as ``ns(x, df = spline_df)``; 1 means linear.
    spline_columns : sequence of str, optional
        The numeric columns to expand; the others enter linearly. Default: every numeric non-binary column.
        Pass ``[]`` for a model linear in every numeric column.
    tol, max_iter
        IRLS stops when the relative change in deviance ``|D - D_old| / (|D| + 0.1)`` falls below ``tol``
        (R's ``glm`` uses 1e-8; the default here is tighter).

    Returns
    -------
    PropensityModel

    Raises
    ------
    SurvivalInputError
        Missing values (naming the column and row), a constant column, ``treated`` not 0/1 or one group only,
        a factor level found in one group only or any other perfect separation, a rank-deficient design,
        coincident spline knots, or no convergence.
    """
    Z, names, knots = propensity_design(X, spline_df=spline_df, spline_columns=spline_columns)
    y = check_treated(treated, len(X)).astype(np.float64)
    rank = np.linalg.matrix_rank(Z)
    if rank < Z.shape[1]:
        raise SurvivalInputError(RANK_DEFICIENT.format(names=_dependent_columns(Z, names)))
    for j, name in enumerate(names[1:], start=1):
        column = Z[:, j]
        if np.all((column == 0) | (column == 1)):
            in_level = column == 1
            if np.all(y[in_level] == 1) or np.all(y[in_level] == 0):
                group = "treated" if y[in_level][0] == 1 else "untreated"
                raise SurvivalInputError(SEPARATION_LEVEL.format(name=name, group=group))
    beta, eta, deviance, converged, iterations, change = _irls(Z, y, tol, max_iter)
    extreme = np.abs(eta) > _LOGIT_LIMIT
    if extreme.any():
        row = int(np.flatnonzero(extreme)[0])
        raise SurvivalInputError(SEPARATION.format(value=eta[row], row=row, limit=_LOGIT_LIMIT))
    if not converged:
        raise SurvivalInputError(NOT_CONVERGED.format(iterations=iterations, change=change))
    scores = expit(eta)
    scores.setflags(write=False)
    eta.setflags(write=False)
    return PropensityModel(
        coefficients=pd.Series(beta, index=names, name="coefficient"),
        scores=scores,
        linear_predictor=eta,
        converged=converged,
        iterations=iterations,
        knots=knots,
        deviance=deviance,
        spline_df=int(spline_df),
        column_names=tuple(names),
    )


def _dependent_columns(Z: NDArray[np.float64], names: list[str]) -> list[str]:
    dependent = []
    kept: list[int] = []
    for j in range(Z.shape[1]):
        if np.linalg.matrix_rank(Z[:, [*kept, j]]) > len(kept):
            kept.append(j)
        else:
            dependent.append(names[j])
    return dependent


# -- weights ------------------------------------------------------------------------------------------------


def check_score(values: ArrayLike, name: str = "score") -> NDArray[np.float64]:
    """Propensity scores: finite, strictly between 0 and 1."""
    score = as_float_array(values, name)
    bad = (score <= 0) | (score >= 1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise SurvivalInputError(SCORE_RANGE.format(row=row, value=score[row]))
    return score


def crump_bounds(score: NDArray[np.float64]) -> tuple[float, float, float]:
    """Crump, Hotz, Imbens & Mitnik (2009) optimal trimming: ``(alpha, 1 - alpha, gamma)``.

    The rule keeps units with ``alpha <= e <= 1 - alpha``, i.e. ``g = 1 / (e (1 - e)) <= gamma``, choosing
    ``gamma`` to minimise the sample analogue of the asymptotic variance bound of the ATE on the kept set,
    ``sum(g_i : g_i <= gamma) / #{g_i <= gamma}^2``. If no trimming is optimal, ``alpha = 0``.
    """
    g = 1.0 / (score * (1.0 - score))
    order = np.sort(g)
    n_kept = np.arange(1, order.size + 1)
    bound = np.cumsum(order) / n_kept**2
    # only cut between distinct values of g (units with equal g are kept or dropped together)
    ends = np.append(order[1:] != order[:-1], True)
    best = int(np.flatnonzero(ends)[np.argmin(bound[ends])])
    if best == order.size - 1:
        return 0.0, 1.0, float(order[-1])
    gamma = float(order[best])
    alpha = 0.5 - np.sqrt(max(0.25 - 1.0 / gamma, 0.0))
    return float(alpha), float(1.0 - alpha), gamma


def balancing_weights(
    score: ArrayLike,
    treated: ArrayLike,
    *,
    estimand: Estimand = "ATE",
    stabilised: bool = False,
    trim: tuple[float, float] | Literal["crump"] | None = None,
) -> Weights:
    """Inverse-probability or overlap weights from propensity scores.

    Parameters
    ----------
    score : array_like
        Propensity scores ``e = P(treated = 1 | X)``, strictly inside (0, 1).
    treated : array_like of 0/1
    estimand : {"ATE", "ATT", "ATC", "overlap"}
        ``ATE``: ``1/e`` (treated), ``1/(1-e)`` (untreated). ``ATT``: 1 and ``e/(1-e)``. ``ATC``: ``(1-e)/e``
        and 1. ``overlap`` (Li, Morgan & Zaslavsky 2018): ``1-e`` and ``e``; with a logistic propensity model
        these weights balance the means of every model covariate exactly.
    stabilised : bool
        Multiply the inverse-probability weights by the marginal proportions among the kept units ``p``
        (treated) and ``1 - p`` (untreated): ATE weights become ``p/e`` and ``(1-p)/(1-e)``; ATT untreated
        weights ``e/(1-e) (1-p)/p``; ATC treated weights ``(1-e)/e p/(1-p)``. Not for overlap weights.
    trim : (low, high), "crump" or None
        ``(low, high)``: drop units whose score lies outside ``[low, high]``. ``"crump"``: Crump et al.
        (2009)'s optimal interval ``[alpha, 1 - alpha]`` (see :func:`crump_bounds`). Dropped units get
        weight 0; the rule and the count dropped are kept in the result. The scores are not re-estimated.

    Returns
    -------
    Weights
    """
    e = check_score(score)
    t = check_treated(treated, e.size)
    if estimand not in ("ATE", "ATT", "ATC", "overlap"):
        raise SurvivalInputError(
            f"estimand must be one of ['ATE', 'ATT', 'ATC', 'overlap'], got {estimand!r}"
        )
    if stabilised and estimand == "overlap":
        raise SurvivalInputError(STABILISED_OVERLAP)

    bounds: tuple[float, float] | None
    if trim is None:
        bounds, trim_words = None, "no trimming"
    elif isinstance(trim, str):
        if trim != "crump":
            raise SurvivalInputError(BAD_TRIM.format(value=trim))
        low, high, _gamma = crump_bounds(e)
        bounds = (low, high)
        trim_words = (
            f"Crump et al. (2009) optimal trimming: kept units with {low:.4g} <= score <= {high:.4g}"
            if low > 0
            else "Crump et al. (2009) optimal trimming: no unit trimmed (alpha = 0)"
        )
    else:
        try:
            low, high = (float(v) for v in trim)
        except (TypeError, ValueError):
            raise SurvivalInputError(BAD_TRIM.format(value=trim)) from None
        if not (0.0 <= low < high <= 1.0):
            raise SurvivalInputError(BAD_TRIM.format(value=trim))
        bounds = (low, high)
        trim_words = f"kept units with {low:g} <= score <= {high:g}"
    kept = np.ones(e.size, dtype=bool) if bounds is None else (e >= bounds[0]) & (e <= bounds[1])
    n1, n0 = int(np.sum(kept & (t == 1))), int(np.sum(kept & (t == 0)))
    if n1 == 0 or n0 == 0:
        raise SurvivalInputError(ALL_TRIMMED.format(rule=trim_words, n1=n1, n0=n0))
    p = n1 / (n1 + n0)

    is_t = t == 1
    if estimand == "ATE":
        w = np.where(is_t, 1.0 / e, 1.0 / (1.0 - e))
        if stabilised:
            w = w * np.where(is_t, p, 1.0 - p)
        words = "ATE inverse-probability weights: 1/e (treated), 1/(1-e) (untreated)"
    elif estimand == "ATT":
        w = np.where(is_t, 1.0, e / (1.0 - e))
        if stabilised:
            w = np.where(is_t, w, w * (1.0 - p) / p)
        words = "ATT weights: 1 (treated), e/(1-e) (untreated)"
    elif estimand == "ATC":
        w = np.where(is_t, (1.0 - e) / e, 1.0)
        if stabilised:
            w = np.where(is_t, w * p / (1.0 - p), w)
        words = "ATC weights: (1-e)/e (treated), 1 (untreated)"
    else:
        w = np.where(is_t, 1.0 - e, e)
        words = "overlap weights (Li, Morgan & Zaslavsky 2018): 1-e (treated), e (untreated)"
    if stabilised:
        words += f", stabilised by the marginal treated proportion p = {p:.4g}"
    w = np.where(kept, w, 0.0)
    w.setflags(write=False)
    kept.setflags(write=False)
    n_trimmed = int(e.size - kept.sum())
    rule = f"{words}; {trim_words} ({n_trimmed} unit(s) excluded)"
    return Weights(
        weights=w,
        estimand=estimand,
        stabilised=bool(stabilised),
        kept=kept,
        n_trimmed=n_trimmed,
        trim_bounds=bounds,
        rule=rule,
    )
