"""Test of proportional hazards for a Cox model from scaled Schoenfeld residuals (R ``survival::cox.zph``).

For a fitted Cox model with coefficients b, the test asks whether b varies with a function g(t) of time:
it is the score test, at (b, 0), of the model with the extra covariates x g(t) (Grambsch & Therneau 1994),
as R's ``cox.zph`` computes it since survival 3.0.

Algorithm
---------
With g centred at the mean over the events, gt_g = g(t_g) - mean_events g(t), and, per event group g
(distinct event time within a stratum), U_g its contribution to the score and I_g its contribution to the
information (Efron or Breslow, case weights, strata and (entry, time] risk sets exactly as the fit has
them; see :mod:`._cox_risk_sets`),

    u = sum_g gt_g U_g,      imat = [[sum_g I_g,       sum_g gt_g I_g  ],
                                     [sum_g gt_g I_g,  sum_g gt_g^2 I_g]].

The score for b is zero at the fit, so the statistic for a term with design columns J is
(0, u_J)' imat[K, K]^{-1} (0, u_J) with K = all p columns followed by the columns J of the second block,
on |J| degrees of freedom; the GLOBAL test uses all p columns of both blocks, on p degrees of freedom.

g(t) is 1 - S(t-) with S the Kaplan-Meier estimate of all rows (unweighted, unstratified; with entry
times for counting-process data), ``"km"``; t, ``"identity"``; the average rank of t among all exit
times, ``"rank"``; log t, ``"log"``; or any function of the exit times.

The Schoenfeld residual of a death at t_g is x_i - xbar_g, with xbar_g the risk-weighted covariate mean
(Efron: the mean over k = 0..d-1 of (S1 - (k/d) E1) / (S0 - (k/d) E0)). They are scaled as R does: with
``used[s, j]`` the number of deaths in stratum s when column j is not constant there (else 0; for a term
of several columns the largest value of its columns), V = (sum_g I_g) / sum_s min(used[s, j], used[s, k]),
a term of several columns is collapsed to the linear predictor of its columns (residual times its
coefficients, V accordingly), each death's residual r becomes V_s^{-1} r over the terms used in its
stratum (the others are missing) and the coefficient (1 for a collapsed term) is added: plotted against
the transformed time, the residuals trace b_j(t) (R ``plot(cox.zph)``).

References
----------
Grambsch, P. M. and Therneau, T. M. (1994). Proportional hazards tests and diagnostics based on weighted
residuals. Biometrika 81, 515-526.
Therneau, T. M. and Grambsch, P. M. (2000). Modeling Survival Data: Extending the Cox Model. Springer,
Sec. 6.2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from remission.survival._cox_risk_sets import RiskSets
from remission.survival.cox import CoxResult
from remission.survival.regression_results import ChiSquareTest, group_codes
from remission.survival.validation import (
    SurvivalInputError,
    check_entry,
    check_event,
    check_time,
    check_weights,
)

TRANSFORMS: tuple[str, ...] = ("km", "identity", "rank", "log")
GLOBAL = "GLOBAL"

ROWS_DIFFER = "{name} has {got} rows but the fit was given {expected}: give the data the fit was given"
EVENTS_DIFFER = "event has {got} events but the fit has {expected}: give the data the fit was given"
WIDTH_DIFFERS = "X has {got} design column(s) but the fit has {expected} ({names})"
STRATA_DIFFER = "strata has levels {got} but the fit has {expected}: give the strata the fit was given"
NOT_THE_FIT = (
    "the log partial likelihood of these data at the fitted coefficients is {got!r}, the fit's is "
    "{expected!r}: X, time, event, entry, strata and weights must be those the fit was given"
)
BAD_TRANSFORM = "transform must be one of {allowed} or a function of the exit times, got {value!r}"
TRANSFORM_NOT_FINITE = (
    "transform {name!r} gives a missing or infinite value at row {row} (time {time}): "
    "it must be finite at every exit time"
)
TRANSFORM_SHAPE = "transform returned shape {got}; it must return one value per row, shape ({n},)"
LOGLIK_RTOL = 1e-8  # the same sums in the same order: equal up to rounding


@dataclass(frozen=True)
class ProportionalHazardsTest:
    """The proportional hazards test of a Cox fit (R ``cox.zph``).

    ``rows`` names the tests (the terms, or the design columns when ``terms=False``, then ``"GLOBAL"``),
    with ``chisq``, ``df`` and ``p_value`` (R ``zph$table``; :meth:`to_frame`).

    Per death, sorted by stratum and time as R sorts them: ``time`` (R ``zph$time``), ``transformed_time``
    g(t) (R ``zph$x``), ``strata`` (the stratum's level, ``None`` for an unstratified fit) and
    ``scaled_residuals`` (R ``zph$y``: one column per name in ``terms``; missing where the term is
    constant within the death's stratum). ``var`` is R's ``zph$var``, the variance matrix that
    ``plot(cox.zph)`` uses for the band around its smooth; ``transform`` the transform's name.
    """

    rows: tuple[str, ...]
    chisq: NDArray[np.float64]
    df: NDArray[np.int64]
    p_value: NDArray[np.float64]
    terms: tuple[str, ...]
    time: NDArray[np.float64] = field(repr=False)
    transformed_time: NDArray[np.float64] = field(repr=False)
    scaled_residuals: NDArray[np.float64] = field(repr=False)
    strata: NDArray[np.object_] | None = field(repr=False)
    var: NDArray[np.float64] = field(repr=False)
    transform: str

    @property
    def global_test(self) -> ChiSquareTest:
        """The GLOBAL row as a chi-square test."""
        return ChiSquareTest(float(self.chisq[-1]), int(self.df[-1]), float(self.p_value[-1]))

    @property
    def table(self) -> pd.DataFrame:
        """R's ``zph$table`` (:meth:`to_frame`)."""
        return self.to_frame()

    def to_frame(self) -> pd.DataFrame:
        """The table: one row per term and a last ``GLOBAL`` row; columns chisq, df, p."""
        return pd.DataFrame(
            {"chisq": self.chisq, "df": self.df, "p": self.p_value},
            index=pd.Index(list(self.rows), name="term"),
        )

    def residuals_frame(self) -> pd.DataFrame:
        """One row per death: time, transformed_time, strata (stratified fits only), then one column of
        scaled Schoenfeld residuals per term: what ``plot(cox.zph)`` draws (residuals against
        transformed_time, with a smooth)."""
        frame = pd.DataFrame({"time": self.time, "transformed_time": self.transformed_time})
        if self.strata is not None:
            frame["strata"] = self.strata
        for j, name in enumerate(self.terms):
            frame[name] = self.scaled_residuals[:, j]
        return frame


def proportional_hazards_test(
    fit: CoxResult,
    X: ArrayLike | pd.DataFrame,
    time: ArrayLike,
    event: ArrayLike,
    *,
    entry: ArrayLike | None = None,
    strata: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    transform: str | Callable[[NDArray[np.float64]], ArrayLike] = "km",
    terms: bool = True,
) -> ProportionalHazardsTest:
    """Test proportional hazards per term and globally, as R's ``cox.zph(fit, transform, terms)``.

    Parameters
    ----------
    fit : CoxResult
        The fitted model (its ties, coefficients and covariate coding are used).
    X, time, event, entry, strata, weights
        The data exactly as given to :func:`remission.survival.cox` for ``fit`` (the row order may
        differ). They are checked against the fit: the row and event counts, the design columns, the
        strata levels, and the log partial likelihood at the fitted coefficients.
    transform : {"km", "identity", "rank", "log"} or callable
        g(t): 1 - Kaplan-Meier (R's default), the time, its rank, its log, or a function of the array of
        exit times returning one value per row.
    terms : bool
        True: one test per input column (a factor's dummies together, on as many degrees of freedom);
        False: one test per design column.

    Returns
    -------
    ProportionalHazardsTest

    Notes
    -----
    One pass of the Cox sums at the fitted coefficients and three weighted cross-products of the design
    matrix: O(n p^2) time, no loop over the rows or events in Python. Where a stratum has deaths but
    every covariate is constant in it, its residuals are missing (R's ``cox.zph`` misaligns the
    strata then).
    """
    time_arr = check_time(time, "time")
    n = time_arr.shape[0]
    if n != fit.n:
        raise SurvivalInputError(ROWS_DIFFER.format(name="time", got=n, expected=fit.n))
    event_arr = check_event(event, n)
    if int(event_arr.sum()) != fit.n_event:
        raise SurvivalInputError(EVENTS_DIFFER.format(got=int(event_arr.sum()), expected=fit.n_event))
    entry_arr = check_entry(entry, time_arr)
    weights_arr = check_weights(weights, n)
    w = np.ones(n) if weights_arr is None else weights_arr
    strata_codes, strata_levels = group_codes(strata, n, "strata")
    if strata_levels.tolist() != fit.strata_levels.tolist():
        raise SurvivalInputError(
            STRATA_DIFFER.format(got=strata_levels.tolist(), expected=fit.strata_levels.tolist())
        )
    Xmat = np.asarray(fit._spec.encode(X), dtype=np.float64)
    if Xmat.ndim != 2 or Xmat.shape[1] != len(fit.names):
        raise SurvivalInputError(
            WIDTH_DIFFERS.format(got=Xmat.shape[-1], expected=len(fit.names), names=fit.names)
        )
    if Xmat.shape[0] != n:
        raise SurvivalInputError(ROWS_DIFFER.format(name="X", got=Xmat.shape[0], expected=n))
    ttimes, tname = _transform_times(transform, time_arr, event_arr, entry_arr)

    rs = RiskSets(
        Xmat, time_arr, event_arr, entry_arr, strata_codes, w, efron=(fit.ties == "efron"), center=fit.means
    )
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        step = rs.evaluate(fit.coef)
    loglik = fit.loglik[1]
    if not abs(step.loglik - loglik) <= LOGLIK_RTOL * max(1.0, abs(loglik)):
        raise SurvivalInputError(NOT_THE_FIT.format(got=step.loglik, expected=loglik))

    p = Xmat.shape[1]
    coef = fit.coef
    groups = _term_columns(fit, terms)
    names = tuple(name for name, _ in groups)

    # the score and information of the time-by-covariate model, at (coef, 0)
    gtime = ttimes - ttimes[event_arr == 1].mean()
    death_rows = rs.order[rs.ev]  # input row of each death, in the sorted order of the sums
    gt = gtime[death_rows[rs.gstart]]  # one per event group
    mB = rs.mw * step.B
    wx = np.add.reduceat(rs.w[rs.ev, None] * rs.X_death, rs.gstart, axis=0)
    U_g = wx - step.hazard[:, None] * step.S1 + mB[:, None] * step.E1
    u = np.r_[np.zeros(p), gt @ U_g]
    I12 = rs.weighted_information(step, gt)
    imat = np.block([[step.info, I12], [I12.T, rs.weighted_information(step, gt * gt)]])

    chisq = np.empty(len(groups) + 1)
    df = np.empty(len(groups) + 1, dtype=np.int64)
    for index, (_, columns) in enumerate(groups):
        keep = np.r_[np.arange(p), p + columns]
        chisq[index] = u[keep] @ np.linalg.solve(imat[np.ix_(keep, keep)], u[keep])
        df[index] = columns.shape[0]
    chisq[-1] = u @ np.linalg.solve(imat, u)
    df[-1] = p
    p_value = stats.chi2.sf(chisq, df)

    # Schoenfeld residuals x_i - xbar_g of the deaths, then scaled
    scale = rs.d if rs.efron else np.ones_like(rs.d)
    xbar = (step.A[:, None] * step.S1 - step.B[:, None] * step.E1) / scale[:, None]
    schoen = rs.X_death - xbar[rs.gidx]
    death_stratum = strata_codes[death_rows]
    y, var = _scale_residuals(
        schoen, death_stratum, Xmat, strata_codes, event_arr, step.info, coef, groups, terms, p
    )

    # R's order: by stratum and time; tied deaths by row (right-censored) or by reverse row (counting)
    tie_key = death_rows if entry_arr is None else -death_rows
    perm = np.lexsort((tie_key, time_arr[death_rows], death_stratum))
    rows_out = death_rows[perm]
    stratified = strata_levels.shape[0] > 1 or strata_levels[0] is not None
    return ProportionalHazardsTest(
        rows=(*names, GLOBAL),
        chisq=chisq,
        df=df,
        p_value=p_value,
        terms=names,
        time=time_arr[rows_out],
        transformed_time=ttimes[rows_out],
        scaled_residuals=y[perm],
        strata=strata_levels[strata_codes[rows_out]] if stratified else None,
        var=var,
        transform=tname,
    )


def _term_columns(fit: CoxResult, terms: bool) -> list[tuple[str, NDArray[np.int64]]]:
    """(name, design columns) of each test: one per input column (``terms``) or per design column."""
    if not terms:
        return [(name, np.array([j])) for j, name in enumerate(fit.names)]
    out = []
    start = 0
    for term in fit._spec.terms:
        width = len(term.names)
        out.append((term.column, np.arange(start, start + width)))
        start += width
    return out


def _transform_times(
    transform: str | Callable[[NDArray[np.float64]], ArrayLike],
    time: NDArray[np.float64],
    event: NDArray[np.int64],
    entry: NDArray[np.float64] | None,
) -> tuple[NDArray[np.float64], str]:
    """g(t) at every row's exit time, and the transform's name."""
    if callable(transform):
        name = getattr(transform, "__name__", "user")
        values = np.asarray(transform(time.copy()), dtype=np.float64)
        if values.shape != time.shape:
            raise SurvivalInputError(TRANSFORM_SHAPE.format(got=values.shape, n=time.shape[0]))
    elif transform == "km":
        name, values = transform, 1.0 - _km_left(time, event, entry)
    elif transform == "identity":
        name, values = transform, time.copy()
    elif transform == "rank":
        name, values = transform, stats.rankdata(time, method="average").astype(np.float64)
    elif transform == "log":
        name = transform
        with np.errstate(divide="ignore"):
            values = np.log(time)
    else:
        raise SurvivalInputError(BAD_TRANSFORM.format(allowed=TRANSFORMS, value=transform))
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise SurvivalInputError(TRANSFORM_NOT_FINITE.format(name=name, row=row, time=time[row]))
    return values, name


def _km_left(
    time: NDArray[np.float64], event: NDArray[np.int64], entry: NDArray[np.float64] | None
) -> NDArray[np.float64]:
    """The left-continuous Kaplan-Meier estimate S(t-) of all rows at each row's exit time (unweighted,
    unstratified; at risk on (entry, time])."""
    event_times, deaths = np.unique(time[event == 1], return_counts=True)
    sorted_exit = np.sort(time)
    at_risk = time.shape[0] - np.searchsorted(sorted_exit, event_times, side="left")
    if entry is not None:  # not yet at risk: entry >= t
        at_risk -= entry.shape[0] - np.searchsorted(np.sort(entry), event_times, side="left")
    surv = np.cumprod(1.0 - deaths / at_risk)
    return np.r_[1.0, surv][np.searchsorted(event_times, time, side="left")]


def _scale_residuals(
    schoen: NDArray[np.float64],
    death_stratum: NDArray[np.int64],
    Xmat: NDArray[np.float64],
    strata_codes: NDArray[np.int64],
    event: NDArray[np.int64],
    info: NDArray[np.float64],
    coef: NDArray[np.float64],
    groups: list[tuple[str, NDArray[np.int64]]],
    terms: bool,
    p: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """R's scaled Schoenfeld residuals (``zph$y``, rows as ``schoen``) and ``zph$var``."""
    n_strata = int(strata_codes.max()) + 1
    # used[s, j]: deaths in stratum s if column j is not constant there, else 0
    order = np.argsort(strata_codes, kind="stable")
    sorted_codes = strata_codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    Xs = Xmat[order]
    varies = np.zeros((n_strata, p), dtype=bool)
    varies[sorted_codes[starts]] = np.maximum.reduceat(Xs, starts, axis=0) != np.minimum.reduceat(
        Xs, starts, axis=0
    )
    deaths = np.bincount(strata_codes, weights=event, minlength=n_strata)
    used = np.where(varies, deaths[:, None], 0.0)
    for _, columns in groups:
        if columns.shape[0] > 1:
            used[:, columns] = used[:, columns].max(axis=1, keepdims=True)
    wtmat = np.minimum(used[:, :, None], used[:, None, :]).sum(axis=0)
    vmean = info / np.where(wtmat == 0, 1.0, wtmat)

    resid = schoen
    shift = coef.copy()
    if terms and any(columns.shape[0] > 1 for _, columns in groups):
        collapse = np.zeros((p, len(groups)))
        shift = np.ones(len(groups))
        for index, (_, columns) in enumerate(groups):
            if columns.shape[0] == 1:
                collapse[columns[0], index] = 1.0
                shift[index] = coef[columns[0]]
            else:
                collapse[columns, index] = coef[columns]
        resid = schoen @ collapse
        vmean = collapse.T @ vmean @ collapse
        used = used[:, [int(columns[0]) for _, columns in groups]]

    y = np.full(resid.shape, np.nan)
    for stratum in range(n_strata):
        k = np.flatnonzero(used[stratum] > 0)
        rows = np.flatnonzero(death_stratum == stratum)
        if k.size == 0 or rows.size == 0:
            continue
        y[np.ix_(rows, k)] = np.linalg.solve(vmean[np.ix_(k, k)], resid[np.ix_(rows, k)].T).T
    return y + shift, np.linalg.inv(vmean)
