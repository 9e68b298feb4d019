"""Cox proportional hazards regression (R ``survival::coxph``).

Partial likelihood with Efron or Breslow handling of tied event times, strata, case weights,
counting-process ``(entry, time]`` data (time-varying covariates, left truncation), the robust (sandwich)
variance with optional clusters, Harrell's concordance, the baseline cumulative hazard, predicted
survival for new covariate rows and the standard error of their cumulative hazard (R ``survfit``'s
``std.err``, :meth:`CoxResult.cumhaz_terms`).

Algorithm
---------
The rows are sorted once by (stratum, exit time) and collapsed into their distinct times; each Newton step
then needs one pass over the rows for exp(X beta) and the per-time sums, suffix sums over the distinct
times, and one weighted cross-product for the information (see :mod:`._cox_risk_sets`, which also gives
Efron's formulas).

References
----------
Therneau, T. M. and Grambsch, P. M. (2000). Modeling Survival Data: Extending the Cox Model. Springer.
Harrell, F. E. et al. (1982). Evaluating the yield of medical tests. JAMA 247, 2543-2546.
Tsiatis, A. A. (1981). A large sample study of Cox's regression model. Annals of Statistics 9, 93-108.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol, TypeVar

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from remission.survival._cox_risk_sets import RiskSets
from remission.survival.concordance import Concordance, concordance_index
from remission.survival.design import DesignSpec, design_matrix
from remission.survival.regression_checks import (
    INFINITE_COEF,
    NEW_STRATA_NEEDED,
    NEW_STRATA_UNKNOWN,
    NO_VARIANCE_IN_RISK_SETS,
    NOT_CONVERGED,
    ConvergenceWarning,
    check_design_values,
    check_events,
)
from remission.survival.regression_results import (
    ChiSquareTest,
    coefficient_frame,
    group_codes,
    invert_information,
    solve_information,
    wald_table,
)
from remission.survival.validation import (
    SurvivalInputError,
    check_conf_level,
    check_entry,
    check_event,
    check_init,
    check_option,
    check_time,
    check_weights,
)

TIES: tuple[str, ...] = ("efron", "breslow")
STRATIFIED_TERMS = "cumhaz_terms: the model is stratified; the terms are given for unstratified fits only"
EPS = 1e-9  # coxph.control(eps = 1e-9)
ITER_MAX = 20  # coxph.control(iter.max = 20)
TOLER_INF = np.sqrt(EPS)  # coxph.control(toler.inf = sqrt(eps))


@dataclass(frozen=True)
class CoxResult:
    """A fitted Cox model. Arrays are indexed by term (``names``).

    ``se`` is the model-based standard error; ``robust_se`` the sandwich one (``None`` unless ``robust``
    or ``cluster``). As in R's ``summary(coxph)``, ``z``, ``p_value``, ``conf_int`` and ``wald_test`` use
    the robust variance when there is one. ``loglik`` is (initial, final).
    """

    names: list[str]
    coef: NDArray[np.float64]
    se: NDArray[np.float64]
    robust_se: NDArray[np.float64] | None
    z: NDArray[np.float64]
    p_value: NDArray[np.float64]
    conf_int: NDArray[np.float64]
    var: NDArray[np.float64]
    naive_var: NDArray[np.float64]
    loglik: tuple[float, float]
    lr_test: ChiSquareTest
    wald_test: ChiSquareTest
    score_test: ChiSquareTest
    n: int
    n_event: int
    iterations: int
    converged: bool
    ties: str
    conf_level: float
    means: NDArray[np.float64]
    strata_levels: NDArray[np.object_] = field(repr=False)
    _spec: DesignSpec = field(repr=False)
    _bh_time: NDArray[np.float64] = field(repr=False)
    _bh_stratum: NDArray[np.int64] = field(repr=False)
    _bh_increment: NDArray[np.float64] = field(repr=False)  # at x = 0 (uncentered)
    _conc_data: tuple = field(repr=False)
    # per event time, at x = means (the centred scale): the baseline's variance increment and the
    # risk-set-mean term (x̄ - means) dΛ (see cumhaz_terms)
    _bh_varhaz: NDArray[np.float64] = field(repr=False)
    _bh_xbar: NDArray[np.float64] = field(repr=False)

    @property
    def hazard_ratio(self) -> NDArray[np.float64]:
        return np.exp(self.coef)

    def to_frame(self) -> pd.DataFrame:
        """One row per term: coef, exp_coef, se, robust_se, z, p, lower, upper (limits for coef)."""
        return coefficient_frame(
            self.names, self.coef, self.se, self.robust_se, self.z, self.p_value, self.conf_int
        )

    @cached_property
    def concordance(self) -> Concordance:
        """Harrell's C for the linear predictor, as R's ``concordance(fit)`` (``fit$concordance``)."""
        return concordance_index(*self._conc_data)

    def baseline_hazard(self, centered: bool = False) -> pd.DataFrame:
        """Cumulative baseline hazard at each event time, per stratum.

        ``centered=False`` is R's ``basehaz(fit, centered = FALSE)`` (covariates all zero);
        ``centered=True`` is at ``means`` (R's default ``centered = TRUE``). R also lists censoring
        times, where the step function does not move; this lists event times only.
        """
        increment = self._bh_increment
        if centered:
            increment = increment * np.exp(self.means @ self.coef)
        cumhaz = np.empty_like(increment)
        for stratum in np.unique(self._bh_stratum):
            rows = self._bh_stratum == stratum
            cumhaz[rows] = np.cumsum(increment[rows])
        frame = pd.DataFrame({"time": self._bh_time, "hazard": cumhaz})
        if self.strata_levels.shape[0] > 1 or self.strata_levels[0] is not None:
            frame["strata"] = self.strata_levels[self._bh_stratum]
        return frame

    def cumhaz_terms(self, times: ArrayLike, reference: ArrayLike | None = None) -> CumhazTerms:
        """What the variance of a new row's cumulative hazard Λ(t | x) needs, at a ``reference`` covariate
        vector r on the design columns (``names``; default ``means``) and ``times``, as R's
        ``survfit(fit, newdata)`` computes it.

        With dΛ_g(r) the baseline hazard increment at event time t_g for x = r (Breslow, or Efron's as
        ``survfit.coxph`` uses for ``ties = "efron"``), the terms are

            cumhaz(t)   = Λ(t | r) = sum_{t_g <= t} dΛ_g(r),
            variance(t) = sum_{t_g <= t} v_g(r),
            shift(t)    = sum_{t_g <= t} (x̄_g - r) dΛ_g(r),

        where, for d tied deaths at t_g with risk-set sums S0, S1 and death sums E0, E1 of w exp((x - r)'b)
        and of that times (x - r) (w the case weights, m = sum of the death weights / d; Breslow: d = 1,
        m = the sum of death weights) and Efron's denominators d2_k = S0 - (k/d) E0, k = 0..d-1,

            dΛ_g = m sum_k 1/d2_k,   v_g = m sum_k 1/d2_k^2,   (x̄_g - r) dΛ_g = m sum_k (S1 - (k/d) E1)/d2_k^2

        (R's ``agsurv``: ``hazard``, ``varhaz`` and ``xbar`` with ``survtype = vartype = 3``, C routine
        ``agsurv5``; 2 for Breslow). :meth:`CumhazTerms.variance_of` then gives the Tsiatis (1981) /
        Andersen-Gill variance of Λ(t | x) = exp((x - r)'b) Λ(t | r),

            var Λ(t | x) = exp(2 (x - r)'b) [variance(t) + d' V d],   d = (x - r) Λ(t | r) - shift(t),

        with V the fit's ``var`` (the robust one when there is one, as ``survfit`` uses ``fit$var``; R's
        ``coxph`` makes ``fit$var`` robust by itself for non-integer case weights, here ``robust=True`` does).
        The sums are taken on the centred scale (x = ``means``), as R does, and moved to r exactly.
        Unstratified fits only.
        """
        if self.strata_levels.shape[0] > 1 or self.strata_levels[0] is not None:
            raise SurvivalInputError(STRATIFIED_TERMS)
        times = np.atleast_1d(np.asarray(times, dtype=np.float64))
        ref = self.means if reference is None else np.asarray(reference, dtype=np.float64)
        delta = ref - self.means
        k = float(np.exp(delta @ self.coef))
        increment = self._bh_increment * np.exp(self.means @ self.coef)  # dΛ_g at x = means
        at = np.searchsorted(self._bh_time, times, side="right")
        cumhaz = np.r_[0.0, np.cumsum(increment)][at]
        variance = np.r_[0.0, np.cumsum(self._bh_varhaz)][at]
        shift = np.vstack([np.zeros(self.coef.shape[0]), np.cumsum(self._bh_xbar, axis=0)])[at]
        return CumhazTerms(
            times=times,
            reference=ref,
            cumhaz=k * cumhaz,
            variance=k * k * variance,
            shift=k * (shift - np.outer(cumhaz, delta)),
        )

    def cumhaz_std_err(self, new_X: ArrayLike | pd.DataFrame, times: ArrayLike) -> NDArray[np.float64]:
        """The standard error of each new row's cumulative hazard Λ(t | x), shape (n_new, n_times): R's
        ``survfit(fit, newdata)$std.err`` at ``times`` (``summary``'s ``std.err`` is this times the
        survival; :meth:`cumhaz_terms`). Unstratified fits only."""
        Xn = self._spec.encode(new_X)
        terms = self.cumhaz_terms(times)
        return np.sqrt(np.array([terms.variance_of(x, self.coef, self.var) for x in Xn]))

    def predict_survival(
        self, new_X: ArrayLike | pd.DataFrame, times: ArrayLike, new_strata: ArrayLike | None = None
    ) -> NDArray[np.float64]:
        """Survival S(t | x) = exp(-H0(t) exp(x'beta)) for each new row (R ``survfit(fit, newdata)``).

        Returns an array of shape (n_new, n_times). H0 is the Breslow/Efron baseline hazard of the fit
        (the one ``survfit.coxph`` uses for the same ``ties``).
        """
        Xn = self._spec.encode(new_X)
        times = np.atleast_1d(np.asarray(times, dtype=np.float64))
        stratified = self.strata_levels.shape[0] > 1 or self.strata_levels[0] is not None
        if stratified:
            if new_strata is None:
                raise SurvivalInputError(NEW_STRATA_NEEDED)
            lookup = {level: code for code, level in enumerate(self.strata_levels)}
            codes = []
            for value in np.asarray(new_strata, dtype=object):
                if value not in lookup:
                    raise SurvivalInputError(NEW_STRATA_UNKNOWN.format(value=value))
                codes.append(lookup[value])
            codes_arr = np.asarray(codes, dtype=np.int64)
        else:
            codes_arr = np.zeros(Xn.shape[0], dtype=np.int64)
        risk = np.exp(Xn @ self.coef)
        out = np.empty((Xn.shape[0], times.shape[0]))
        for stratum in np.unique(codes_arr):
            rows = self._bh_stratum == stratum
            cum = np.r_[0.0, np.cumsum(self._bh_increment[rows])]
            at = np.searchsorted(self._bh_time[rows], times, side="right")  # right-continuous step
            mine = codes_arr == stratum
            out[mine] = np.exp(-np.outer(risk[mine], cum[at]))
        return out


@dataclass(frozen=True)
class CumhazTerms:
    """The terms of the variance of Λ(t | x) at a reference covariate vector (:meth:`CoxResult.cumhaz_terms`):
    per time, ``cumhaz`` Λ(t | reference), ``variance`` (the baseline's own variance there) and ``shift``
    (one row of p per time)."""

    times: NDArray[np.float64]
    reference: NDArray[np.float64]
    cumhaz: NDArray[np.float64]
    variance: NDArray[np.float64]
    shift: NDArray[np.float64]

    def variance_of(self, x: ArrayLike, coef: ArrayLike, var: ArrayLike) -> NDArray[np.float64]:
        """var Λ(t | x) at each time, for one encoded row ``x`` (see :func:`cumhaz_variance`)."""
        return cumhaz_variance(
            np.asarray(x, dtype=np.float64) - self.reference,
            coef,
            var,
            self.cumhaz,
            self.variance,
            self.shift,
        )


def cumhaz_variance(
    u: ArrayLike,
    coef: ArrayLike,
    var: ArrayLike,
    cumhaz: ArrayLike,
    variance: ArrayLike,
    shift: ArrayLike,
) -> NDArray[np.float64]:
    """The Tsiatis / Andersen-Gill variance of Λ(t | x), u = x - r, from the terms at the reference r
    (:meth:`CoxResult.cumhaz_terms`): exp(2 u'b) [variance + d' V d] with d = u Λ(t | r) - shift, for
    each time (the rows of ``shift``, the entries of ``cumhaz`` and ``variance``)."""
    u = np.asarray(u, dtype=np.float64)
    V = np.asarray(var, dtype=np.float64)
    d = np.outer(np.asarray(cumhaz, dtype=np.float64), u) - np.atleast_2d(np.asarray(shift, dtype=np.float64))
    quad = np.einsum("ti,ij,tj->t", d, V, d)
    risk2 = np.exp(2.0 * float(u @ np.asarray(coef, dtype=np.float64)))
    return risk2 * (np.asarray(variance, dtype=np.float64) + quad)


def cox(
    X: ArrayLike | pd.DataFrame,
    time: ArrayLike,
    event: ArrayLike,
    *,
    entry: ArrayLike | None = None,
    strata: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    ties: str = "efron",
    robust: bool = False,
    cluster: ArrayLike | None = None,
    conf_level: float = 0.95,
    init: ArrayLike | None = None,
) -> CoxResult:
    """Fit a Cox proportional hazards model by Newton-Raphson, as R's ``coxph``.

    Parameters
    ----------
    X : array_like, shape (n, p), or pandas.DataFrame
        Covariates; factor columns become treatment-coded dummies (see :mod:`.design`).
    time : array_like, shape (n,)
        Exit time (R ``Surv(time, event)``, or the stop of ``Surv(entry, time, event)``).
    event : array_like, shape (n,)
        1 = event at ``time``, 0 = censored.
    entry : array_like, shape (n,), optional
        Entry time for counting-process data (left truncation, time-varying covariates); the row is at
        risk on (entry, time].
    strata : array_like, shape (n,), optional
        A separate baseline hazard per stratum (R ``strata()``).
    weights : array_like, shape (n,), optional
        Case weights (R ``weights =``).
    ties : {"efron", "breslow"}
    robust : bool
        Add the sandwich variance from the weighted dfbeta residuals (R ``robust = TRUE``).
    cluster : array_like, shape (n,), optional
        Sum the dfbeta residuals within clusters before the sandwich (R ``cluster()``); implies robust.
    conf_level : float
    init : array_like, shape (p,), optional
        Starting coefficients (R ``init =``), one per design column; default 0. As in R, the initial
        log-likelihood (``loglik[0]``), the likelihood-ratio and the score tests are then at ``init``,
        not at 0. A start near the answer saves iterations (the validation's bootstrap refits start from
        the fitted model).

    Returns
    -------
    CoxResult

    Notes
    -----
    Newton-Raphson with step halving as R's ``coxfit6``/``agfit4``: start at 0, take the full step,
    halve it while the log partial likelihood falls, stop when |1 - L_old / L_new| <= 1e-9 after a full
    step, at most 20 iterations. R additionally centres and scales the covariates; this centres only.
    """
    ties = check_option(ties, TIES, "ties")
    conf_level = check_conf_level(conf_level)
    time_arr = check_time(time, "time")
    n = time_arr.shape[0]
    event_arr = check_event(event, n)
    entry_arr = check_entry(entry, time_arr)
    weights_arr = check_weights(weights, n)
    w = np.ones(n) if weights_arr is None else weights_arr
    strata_codes, strata_levels = group_codes(strata, n, "strata")
    cluster_arr = group_codes(cluster, n, "cluster")[0] if cluster is not None else None
    Xmat, names, spec = design_matrix(X)
    check_design_values(Xmat, names, n)
    p = Xmat.shape[1]
    n_event = int(event_arr.sum())
    check_events(n_event, p)
    # fit$means as coxph reports them: weighted column means, but 0 for a 0/1 column (survival >= 3.0)
    means = (w @ Xmat) / w.sum() if w.sum() > 0 else Xmat.mean(axis=0)
    means[_binary_columns(Xmat)] = 0.0
    # the fit does not depend on the centring
    rs = RiskSets(
        Xmat, time_arr, event_arr, entry_arr, strata_codes, w, efron=(ties == "efron"), center=means
    )
    start = np.zeros(p) if init is None else check_init(init, p)
    beta, state, state0, iterations, converged, change = newton_raphson(rs.evaluate, start)
    info = state.info
    naive_var = invert_information(info)
    check_estimable(info, names)
    if not converged:
        warnings.warn(
            NOT_CONVERGED.format(iterations=iterations, change=change), ConvergenceWarning, stacklevel=2
        )
    else:
        # coxph: a coefficient whose one-step change u'V is still large relative to itself may be infinite
        moving = np.abs(state.score @ naive_var)
        infinite = (moving > EPS) & (moving > TOLER_INF * np.abs(beta))
        if infinite.any():
            which = ", ".join(repr(names[j]) for j in np.flatnonzero(infinite))
            warnings.warn(INFINITE_COEF.format(names=which), ConvergenceWarning, stacklevel=2)

    with np.errstate(invalid="ignore"):
        # a diverging coefficient's information can round below zero: its se is then NaN
        se = np.sqrt(np.diag(naive_var))
    robust_se = None
    var = naive_var
    if robust or cluster is not None:
        resid = rs.score_residuals(state)
        dfbeta = (rs.w[:, None] * resid) @ naive_var  # weighted dfbeta residuals
        if cluster_arr is not None:
            codes = cluster_arr[rs.order]
            dfbeta = np.column_stack(
                [np.bincount(codes, weights=dfbeta[:, j], minlength=codes.max() + 1) for j in range(p)]
            )
        var = dfbeta.T @ dfbeta
        robust_se = np.sqrt(np.diag(var))
    used_se = se if robust_se is None else robust_se
    z, p_value, conf_int = wald_table(beta, used_se, conf_level)

    score_stat = float(state0.score @ solve_information(state0.info, state0.score))
    wald_stat = float(beta @ solve_information(var, beta))
    loglik0, loglik1 = state0.loglik, state.loglik

    bh_time = rs.event_time
    bh_stratum = rs.event_stratum.astype(np.int64)
    bh_increment = state.hazard * np.exp(-means @ beta)  # hazard at x = 0 from the centred fit
    # survfit's variance terms at x = means (agsurv): m sum_k 1/d2_k^2 and m sum_k (S1 - f_k E1)/d2_k^2
    bh_varhaz = rs.mw * state.C
    bh_xbar = rs.mw[:, None] * (state.C[:, None] * state.S1 - state.D[:, None] * state.E1)

    eta_lp = np.empty(n)
    eta_lp[rs.order] = rs.X @ beta  # the centred linear predictor, in input order
    conc_data = (time_arr, event_arr, eta_lp, entry_arr, strata_codes, weights_arr, cluster_arr)
    return CoxResult(
        names=names,
        coef=beta,
        se=se,
        robust_se=robust_se,
        z=z,
        p_value=p_value,
        conf_int=conf_int,
        var=var,
        naive_var=naive_var,
        loglik=(loglik0, loglik1),
        lr_test=ChiSquareTest.of(2.0 * (loglik1 - loglik0), p),
        wald_test=ChiSquareTest.of(wald_stat, p),
        score_test=ChiSquareTest.of(score_stat, p),
        n=n,
        n_event=n_event,
        iterations=iterations,
        converged=converged,
        ties=ties,
        conf_level=conf_level,
        means=means,
        strata_levels=strata_levels,
        _spec=spec,
        _bh_time=bh_time,
        _bh_stratum=bh_stratum,
        _bh_increment=bh_increment,
        _conc_data=conc_data,
        _bh_varhaz=bh_varhaz,
        _bh_xbar=bh_xbar,
    )


class NewtonState(Protocol):
    """What :func:`newton_raphson` reads of an evaluation: the log partial likelihood, score and
    information at the coefficients evaluated."""

    loglik: float
    score: NDArray[np.float64]
    info: NDArray[np.float64]


Step = TypeVar("Step", bound=NewtonState)


def newton_raphson(
    evaluate: Callable[[NDArray[np.float64]], Step],
    start: NDArray[np.float64],
    *,
    eps: float = EPS,
    max_iter: int = ITER_MAX,
) -> tuple[NDArray[np.float64], Step, Step, int, bool, float]:
    """Newton-Raphson with step halving from ``start``, following coxph's ``coxfit6`` loop step for step:
    ``evaluate(beta)`` gives the log partial likelihood, score and information at ``beta`` (the risk sets
    of one data set, or the nodes' summed risk sets of a federated fit); stop when
    |1 - L_old / L_new| <= ``eps`` after a full step, at most ``max_iter`` steps. Returns the coefficients,
    the state there, the state at ``start``, the steps taken, whether it converged and the last change."""
    beta = start.copy()
    state0 = evaluate(beta)
    loglik_old = state0.loglik
    newbeta = beta + solve_information(state0.info, state0.score)
    halving = False
    state = accepted = state0
    converged = False
    change = np.inf
    iteration = 0
    for iteration in range(1, max_iter + 1):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            state = evaluate(newbeta)
        newlk = state.loglik
        # overflow (a coefficient running off to infinity) is treated as a failed step
        finite = np.isfinite(newlk) and np.isfinite(state.info).all() and np.isfinite(state.score).all()
        change = abs(1.0 - loglik_old / newlk) if finite and newlk != 0 else np.inf
        if change <= eps and not halving:  # coxfit6: fabs(1 - loglik/newlk) <= eps
            converged = True
            break
        worse = not finite or newlk < loglik_old
        if iteration == max_iter:
            if worse:  # out of iterations in the middle of halving: keep the best step (as coxfit6)
                return beta, accepted, state0, iteration, converged, change
            break
        if worse:  # not converging: halve the step
            halving = True
            newbeta = (newbeta + beta) / 2.0
        else:
            halving = False
            loglik_old = newlk
            beta, accepted = newbeta, state
            newbeta = newbeta + solve_information(state.info, state.score)
    return newbeta, state, state0, iteration, converged, change


def _binary_columns(X: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Columns whose values are all 0 or 1 (only columns within [0, 1] are scanned)."""
    within = (X.min(axis=0) >= 0.0) & (X.max(axis=0) <= 1.0)
    return np.array(
        [bool(within[j]) and bool(np.all(X[:, j] * (1.0 - X[:, j]) == 0.0)) for j in range(X.shape[1])]
    )


def check_estimable(info: NDArray[np.float64], names: Sequence[str]) -> None:
    """A zero diagonal of the information: the covariate is constant within every risk set."""
    scale = np.max(np.abs(np.diag(info))) if info.size else 0.0
    flat = np.abs(np.diag(info)) <= 1e-12 * max(scale, 1e-300)
    if flat.any():
        raise SurvivalInputError(NO_VARIANCE_IN_RISK_SETS.format(name=names[int(np.flatnonzero(flat)[0])]))
