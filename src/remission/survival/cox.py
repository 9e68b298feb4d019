"""Cox proportional hazards regression (R ``survival::coxph``).

Partial likelihood with Efron or Breslow handling of tied event times, strata, case weights,
counting-process ``(entry, time]`` data (time-varying covariates, left truncation), the robust (sandwich)
variance with optional clusters, Harrell's concordance, the baseline cumulative hazard and predicted
survival for new covariate rows.

Algorithm
---------
The rows are sorted once by (stratum, exit time). At each Newton step the risk-set sums

    S0(t) = sum_{i in R(t)} w_i exp(eta_i),  S1(t) = sum_{i in R(t)} w_i exp(eta_i) x_i

over R(t) = {i in the stratum: entry_i < t <= time_i} are suffix (reverse cumulative) sums over the sorted
rows, minus the suffix sums over rows whose entry is at or after t: O(n p) per step. The second-moment sum
S2(t) = sum w exp(eta) x x' is never formed per event time: the information needs only
sum_t c_t S2(t) = X' diag(w exp(eta) sum_{t in R^{-1}(i)} c_t) X, one weighted cross-product (O(n p^2)).

Efron's approximation (Therneau & Grambsch 2000, Sec. 3.3, Eq. 3.6 and the score and information that
follow it) replaces, for d tied deaths at t with death sums E0, E1, E2, the denominator by
S0 - (k/d) E0 for k = 0..d-1. Each needed sum over k is one of the per-group scalars

    A = sum_k 1/d2_k,  B = sum_k f_k/d2_k,  C = sum_k 1/d2_k^2,  D = sum_k f_k/d2_k^2,
    E = sum_k f_k^2/d2_k^2,   with f_k = k/d, d2_k = S0 - f_k E0,

computed for all groups at once by ``np.add.reduceat`` over an array of length (number of events), so
that, with m = (sum of death weights)/d,

    loglik = sum_deaths w eta - sum_g m sum_k log d2_k
    U      = sum_deaths w x - sum_g m (A S1 - B E1)
    I      = sum_g m (A S2 - B E2) - sum_g m (C S1 S1' - D (S1 E1' + E1 S1') + E E1 E1').

Breslow is the case A = 1/S0, C = 1/S0^2, B = D = E = 0, m = sum of death weights.

References
----------
Therneau, T. M. and Grambsch, P. M. (2000). Modeling Survival Data: Extending the Cox Model. Springer.
Harrell, F. E. et al. (1982). Evaluating the yield of medical tests. JAMA 247, 2543-2546.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

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
    check_option,
    check_time,
    check_weights,
)

TIES: tuple[str, ...] = ("efron", "breslow")
EPS = 1e-9  # coxph.control(eps = 1e-9)
ITER_MAX = 20  # coxph.control(iter.max = 20)
TOLER_INF = np.sqrt(EPS)  # coxph.control(toler.inf = sqrt(eps))


class _RiskSets:
    """The sorted data and the fixed index arrays; ``evaluate`` does one Newton step's sums."""

    def __init__(
        self,
        X: NDArray[np.float64],
        time: NDArray[np.float64],
        event: NDArray[np.int64],
        entry: NDArray[np.float64] | None,
        strata: NDArray[np.int64],
        weights: NDArray[np.float64],
        efron: bool,
    ) -> None:
        # Time ranks 1..T (0 = "no entry"), then one integer key per row: stratum * K + rank.
        if entry is None:
            unique = np.unique(time)
            rank_start = np.zeros(time.shape[0], dtype=np.int64)
        else:
            unique = np.unique(np.concatenate([time, entry]))
            rank_start = np.searchsorted(unique, entry).astype(np.int64) + 1
        rank_stop = np.searchsorted(unique, time).astype(np.int64) + 1
        self.unique_times = unique
        self.K = K = np.int64(unique.shape[0] + 1)
        key = strata * K + rank_stop
        order = np.argsort(key, kind="stable")  # the one sort
        self.order = order
        self.key = key = key[order]
        self.X = np.ascontiguousarray(X[order])
        self.w = weights[order]
        self.event = event[order]
        self.strata = strata[order]
        self.efron = efron
        n, p = self.X.shape
        self.n, self.p = n, p

        ev = np.flatnonzero(self.event)
        self.ev = ev
        ekey = key[ev]
        gstart = np.flatnonzero(np.r_[True, ekey[1:] != ekey[:-1]])
        self.gstart = gstart
        self.gkeys = gkeys = ekey[gstart]
        self.d = np.diff(np.r_[gstart, ev.shape[0]]).astype(np.float64)
        self.gidx = np.repeat(np.arange(gkeys.shape[0]), np.diff(np.r_[gstart, ev.shape[0]]))
        end = (gkeys // K + 1) * K
        self.lo = np.searchsorted(key, gkeys, side="left")
        self.hi = np.searchsorted(key, end, side="left")
        start_key = self.strata * K + rank_start[order]
        self.start_key = start_key
        if entry is not None:
            self.sorder = np.argsort(start_key, kind="stable")
            skey_sorted = start_key[self.sorder]
            self.slo = np.searchsorted(skey_sorted, gkeys, side="left")
            self.shi = np.searchsorted(skey_sorted, end, side="left")
        else:
            self.sorder = None
        # Groups (event times) in the risk interval of row i: gkeys in (start_key_i, key_i].
        self.ghi = np.searchsorted(gkeys, key, side="right")
        self.glo = np.searchsorted(gkeys, start_key, side="right")
        self.W = np.add.reduceat(self.w[ev], gstart) if ev.size else np.zeros(0)
        self.wx_death = self.w[ev] @ self.X[ev]
        if efron:
            # Efron fractions k/d, k = 0..d-1, for every death (the deaths of a group are contiguous).
            self.frac = (np.arange(ev.shape[0]) - gstart[self.gidx]) / self.d[self.gidx]
            self.mw = self.W / self.d  # mean death weight, as coxph
        else:
            self.mw = self.W

    def _suffix(self, M: NDArray[np.float64], lo: NDArray[np.int64], hi: NDArray[np.int64]) -> NDArray:
        total = np.zeros((M.shape[0] + 1, M.shape[1]))
        np.cumsum(M[::-1], axis=0, out=total[:-1][::-1])  # total[k] = sum_{m >= k} M[m]
        return total[lo] - total[hi]

    def evaluate(self, beta: NDArray[np.float64], want: str = "info") -> dict[str, NDArray | float]:
        X, ev, gstart, gidx = self.X, self.ev, self.gstart, self.gidx
        eta = X @ beta
        er = np.exp(eta)
        r = self.w * er
        M = np.empty((self.n, self.p + 1))
        M[:, 0] = r
        np.multiply(X, r[:, None], out=M[:, 1:])
        S = self._suffix(M, self.lo, self.hi)  # risk-set sums at each event time
        if self.sorder is not None:
            S -= self._suffix(M[self.sorder], self.slo, self.shi)  # minus rows entering at or after t
        E = np.add.reduceat(M[ev], gstart, axis=0)  # sums over the deaths of each group
        S0, S1, E0, E1 = S[:, 0], S[:, 1:], E[:, 0], E[:, 1:]
        mw = self.mw
        if self.efron:
            f = self.frac
            d2 = S0[gidx] - f * E0[gidx]  # Efron denominator S0 - (k/d) E0
            inv = 1.0 / d2
            inv2 = inv * inv
            logsum = np.add.reduceat(np.log(d2), gstart)
            A = np.add.reduceat(inv, gstart)
            B = np.add.reduceat(f * inv, gstart)
            C = np.add.reduceat(inv2, gstart)
            D = np.add.reduceat(f * inv2, gstart)
            Ee = np.add.reduceat(f * f * inv2, gstart)
        else:
            logsum = np.log(S0)  # Breslow: one denominator per tied group
            A = 1.0 / S0
            C = A * A
            B = D = Ee = None
        loglik = float(self.wx_death @ beta - mw @ logsum)
        hz = mw * A  # hazard increment at each event time (Efron: sum_k m/d2_k)
        U = self.wx_death - hz @ S1
        if B is not None:
            U = U + (mw * B) @ E1
        out: dict[str, NDArray | float] = {"loglik": loglik, "U": U}
        if want == "loglik":
            return out
        cum = np.r_[0.0, np.cumsum(hz)]
        cA = cum[self.ghi] - cum[self.glo]  # sum of hazard increments over the risk interval of each row
        v = r * cA
        if B is not None:
            v[ev] -= r[ev] * (mw * B)[gidx]
        info = (X * v[:, None]).T @ X  # sum_g m (A S2 - B E2) as one weighted cross-product
        info -= S1.T @ (S1 * (mw * C)[:, None])
        if B is not None:
            cross = S1.T @ (E1 * (mw * D)[:, None])
            info += cross + cross.T
            info -= E1.T @ (E1 * (mw * Ee)[:, None])
        out.update(info=info, hz=hz, eta=eta, er=er, S0=S0, S1=S1, E1=E1, A=A, B=B, C=C, D=D, Ee=Ee, cA=cA)
        return out

    def score_residuals(self, state: dict) -> NDArray[np.float64]:
        """Unweighted score residuals (R ``residuals(fit, type = "score")``), in sorted order.

        Row i: delta_i (x_i - xbar_g(i)) - exp(eta_i) sum_{g in R^{-1}(i)} sum_k (m/d2_k)(x_i - xbar_k)
        where, for a death of group g, the k-th term is down-weighted by (1 - k/d) (Efron); with
        xbar_k = (S1 - f_k E1)/d2_k. Their weighted sum is the score.
        """
        X, ev, gidx, mw = self.X, self.ev, self.gidx, self.mw
        S1, E1, A, C, er, cA = state["S1"], state["E1"], state["A"], state["C"], state["er"], state["cA"]
        B, D, Ee = state["B"], state["D"], state["Ee"]
        hzx = (mw * C)[:, None] * S1
        if B is not None:
            hzx -= (mw * D)[:, None] * E1
        cum = np.vstack([np.zeros((1, self.p)), np.cumsum(hzx, axis=0)])
        cHX = cum[self.ghi] - cum[self.glo]
        resid = -er[:, None] * (X * cA[:, None] - cHX)
        xbb = (A[:, None] * S1) / self.d[:, None] if B is not None else A[:, None] * S1
        if B is not None:
            xbb -= (B[:, None] * E1) / self.d[:, None]
            fb = (mw * B)[gidx]
            fbx = ((mw * D)[:, None] * S1 - (mw * Ee)[:, None] * E1)[gidx]
            resid[ev] += er[ev, None] * (X[ev] * fb[:, None] - fbx)
        resid[ev] += X[ev] - xbb[gidx]
        return resid


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
class Concordance:
    """Harrell's C with R's pair counts (weighted): C = (concordant + tied_x / 2) / (all three)."""

    concordance: float
    concordant: float
    discordant: float
    tied_x: float
    tied_y: float
    std_err: float


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
    Xmat, names, spec = design_matrix(X)
    check_design_values(Xmat, names, n)
    p = Xmat.shape[1]
    n_event = int(event_arr.sum())
    check_events(n_event, p)
    # fit$means as coxph reports them: weighted column means, but 0 for a 0/1 column (survival >= 3.0)
    means = np.average(Xmat, axis=0, weights=w) if w.sum() > 0 else Xmat.mean(axis=0)
    means[np.all((Xmat == 0) | (Xmat == 1), axis=0)] = 0.0
    Xc = Xmat - means  # the fit does not depend on the centring

    rs = _RiskSets(Xc, time_arr, event_arr, entry_arr, strata_codes, w, efron=(ties == "efron"))
    beta, state, state0, iterations, converged, change = _newton(rs, p)
    info = state["info"]
    naive_var = invert_information(info)
    _check_estimable(info, names)
    if not converged:
        warnings.warn(
            NOT_CONVERGED.format(iterations=iterations, change=change), ConvergenceWarning, stacklevel=2
        )
    else:
        # coxph: a coefficient whose one-step change u'V is still large relative to itself may be infinite
        moving = np.abs(state["U"] @ naive_var)
        infinite = (moving > EPS) & (moving > TOLER_INF * np.abs(beta))
        if infinite.any():
            which = ", ".join(repr(names[j]) for j in np.flatnonzero(infinite))
            warnings.warn(INFINITE_COEF.format(names=which), ConvergenceWarning, stacklevel=2)

    se = np.sqrt(np.diag(naive_var))
    robust_se = None
    var = naive_var
    if robust or cluster is not None:
        resid = rs.score_residuals(state)
        dfbeta = (rs.w[:, None] * resid) @ naive_var  # weighted dfbeta residuals
        if cluster is not None:
            codes = group_codes(cluster, n, "cluster")[0][rs.order]
            dfbeta = np.column_stack(
                [np.bincount(codes, weights=dfbeta[:, j], minlength=codes.max() + 1) for j in range(p)]
            )
        var = dfbeta.T @ dfbeta
        robust_se = np.sqrt(np.diag(var))
    used_se = se if robust_se is None else robust_se
    z, p_value, conf_int = wald_table(beta, used_se, conf_level)

    score_stat = float(state0["U"] @ solve_information(state0["info"], state0["U"]))
    wald_stat = float(beta @ solve_information(var, beta))
    loglik0, loglik1 = float(state0["loglik"]), float(state["loglik"])

    gkeys = rs.gkeys
    bh_time = rs.unique_times[(gkeys % rs.K) - 1]
    bh_stratum = (gkeys // rs.K).astype(np.int64)
    bh_increment = state["hz"] * np.exp(-means @ beta)  # hazard at x = 0 from the centred fit

    eta_lp = Xc @ beta
    cluster_arr = group_codes(cluster, n, "cluster")[0] if cluster is not None else None
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
    )


def _newton(rs: _RiskSets, p: int) -> tuple[NDArray[np.float64], dict, dict, int, bool, float]:
    """Newton-Raphson with step halving, following coxph's ``coxfit6`` loop step for step."""
    beta = np.zeros(p)
    state0 = rs.evaluate(beta)
    loglik_old = float(state0["loglik"])
    newbeta = beta + solve_information(state0["info"], state0["U"])
    halving = False
    state = state0
    converged = False
    change = np.inf
    iteration = 0
    for iteration in range(1, ITER_MAX + 1):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            state = rs.evaluate(newbeta)
        newlk = float(state["loglik"])
        change = abs(1.0 - loglik_old / newlk) if np.isfinite(newlk) and newlk != 0 else np.inf
        if change <= EPS and not halving:  # coxfit6: fabs(1 - loglik/newlk) <= eps
            converged = True
            break
        if iteration == ITER_MAX:
            break
        if not np.isfinite(newlk) or newlk < loglik_old:  # not converging: halve the step
            halving = True
            newbeta = (newbeta + beta) / 2.0
        else:
            halving = False
            loglik_old = newlk
            beta = newbeta
            newbeta = newbeta + solve_information(state["info"], state["U"])
    return newbeta, state, state0, iteration, converged, change


def _check_estimable(info: NDArray[np.float64], names: list[str]) -> None:
    """A zero diagonal of the information: the covariate is constant within every risk set."""
    scale = np.max(np.abs(np.diag(info))) if info.size else 0.0
    flat = np.abs(np.diag(info)) <= 1e-12 * max(scale, 1e-300)
    if flat.any():
        raise SurvivalInputError(NO_VARIANCE_IN_RISK_SETS.format(name=names[int(np.flatnonzero(flat)[0])]))


def concordance_index(
    time: NDArray[np.float64],
    event: NDArray[np.int64],
    risk: NDArray[np.float64],
    entry: NDArray[np.float64] | None = None,
    strata: NDArray[np.int64] | None = None,
    weights: NDArray[np.float64] | None = None,
    cluster: NDArray[np.int64] | None = None,
) -> Concordance:
    """Harrell's C for a risk score (higher = earlier event), counted as R's ``concordance``.

    For each event at t, the comparable rows are those of the same stratum at risk at t (entry < t)
    whose time is after t, or equal to t and censored (a censoring tied with an event is taken to come
    after it). Pairs tied on the score count one half; pairs of tied events are ``tied_y`` and do not
    enter C. Each pair carries the weight w_i w_j. O(n log^2 n) without a loop over rows.
    """
    n = time.shape[0]
    w = np.ones(n) if weights is None else weights
    strata = np.zeros(n, dtype=np.int64) if strata is None else strata
    unique = np.unique(time if entry is None else np.concatenate([time, entry]))
    t_rank = np.searchsorted(unique, time).astype(np.int64)
    span = np.int64(2 * unique.shape[0] + 2)
    # Comparator key: 2 rank + 1 if censored, 2 rank if event; an event's comparators have key >= 2 rank + 1.
    point_key = strata * span + 2 * t_rank + (1 - event)
    ev = np.flatnonzero(event)
    query_lo = strata[ev] * span + 2 * t_rank[ev] + 1
    query_hi = (strata[ev] + 1) * span
    _, score_rank = np.unique(risk, return_inverse=True)
    score_rank = score_rank.astype(np.int64).ravel()
    q_rank = score_rank[ev]
    less, equal = _dominance(point_key, score_rank, w, query_lo, query_hi, q_rank)
    total = _range_sum(point_key, w, query_lo, query_hi)
    if entry is not None:
        # Remove rows that enter at or after t: they are not at risk.
        e_rank = np.searchsorted(unique, entry).astype(np.int64)
        entry_key = strata * span + 2 * e_rank + 1
        less_e, equal_e = _dominance(entry_key, score_rank, w, query_lo, query_hi, q_rank)
        less -= less_e
        equal -= equal_e
        total -= _range_sum(entry_key, w, query_lo, query_hi)
    greater = total - less - equal
    wi = w[ev]
    concordant = float(wi @ less)
    discordant = float(wi @ greater)
    tied_x = float(wi @ equal)
    # Tied event pairs (same stratum, same time, both events), each unordered pair once.
    event_key = strata[ev] * span + t_rank[ev]
    _, inverse = np.unique(event_key, return_inverse=True)
    wsum = np.bincount(inverse, weights=wi)
    wsq = np.bincount(inverse, weights=wi * wi)
    tied_y = float(((wsum * wsum - wsq) / 2.0).sum())
    denominator = concordant + discordant + tied_x
    value = (concordant + tied_x / 2.0) / denominator if denominator > 0 else np.nan
    std_err = np.nan
    if denominator > 0:
        # R's standard error: the infinitesimal jackknife of Somers' d = (conc - disc)/npair
        # (survival:::concordancefit): row i's dfbeta is w_i ((c_i - d_i)/npair - d (c_i + d_i + t_i)/npair)
        # over the pairs row i belongs to, as the event or as the comparator; var(C) = sum dfbeta^2 / 4.
        c_i = np.zeros(n)
        d_i = np.zeros(n)
        t_i = np.zeros(n)
        c_i[ev], d_i[ev], t_i[ev] = less, greater, equal
        lo_c = strata * span if entry is None else strata * span + 2 * e_rank + 2
        hi_c = strata * span + 2 * t_rank + (1 - event) + 1
        ev_key = strata[ev] * span + 2 * t_rank[ev] + 1
        less_c, equal_c = _dominance(ev_key, q_rank, wi, lo_c, hi_c, score_rank)
        total_c = _range_sum(ev_key, wi, lo_c, hi_c)
        c_i += total_c - less_c - equal_c  # events with a higher score: concordant
        d_i += less_c
        t_i += equal_c
        somers = (concordant - discordant) / denominator
        dfbeta = w * ((c_i - d_i) / denominator - somers * (c_i + d_i + t_i) / denominator)
        if cluster is not None:
            dfbeta = np.bincount(cluster, weights=dfbeta)  # R sums the dfbeta within clusters too
        std_err = float(np.sqrt(np.sum(dfbeta**2) / 4.0))
    return Concordance(
        concordance=value,
        concordant=concordant,
        discordant=discordant,
        tied_x=tied_x,
        tied_y=tied_y,
        std_err=std_err,
    )


def _range_sum(key: NDArray[np.int64], w: NDArray[np.float64], lo: NDArray, hi: NDArray) -> NDArray:
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    cum = np.r_[0.0, np.cumsum(w[order])]
    return cum[np.searchsorted(sorted_key, hi)] - cum[np.searchsorted(sorted_key, lo)]


def _dominance(
    key: NDArray[np.int64],
    rank: NDArray[np.int64],
    w: NDArray[np.float64],
    lo: NDArray[np.int64],
    hi: NDArray[np.int64],
    q_rank: NDArray[np.int64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """For each query: weight of points with key in [lo, hi) and rank < q_rank, and rank == q_rank.

    The ranks below q_rank split into at most log2(max rank) dyadic blocks; at each bit level the
    points are grouped by block (rank >> b) and counted by key with one sort and two binary searches.
    """
    span = np.int64(max(int(key.max()), int(hi.max())) + 1)
    less = np.zeros(lo.shape[0])
    levels = int(rank.max()).bit_length() + 1
    base = np.argsort(key, kind="stable")
    key_b, rank_b, w_b = key[base], rank[base], w[base]
    for b in range(levels):
        block = rank_b >> b
        order = np.argsort(block, kind="stable")  # stable: keys stay sorted within a block
        composite = block[order] * span + key_b[order]
        cum = np.r_[0.0, np.cumsum(w_b[order])]
        use = ((q_rank >> b) & 1) == 1
        if not use.any():
            continue
        qblock = (q_rank[use] >> b) - 1
        less[use] += (
            cum[np.searchsorted(composite, qblock * span + hi[use])]
            - cum[np.searchsorted(composite, qblock * span + lo[use])]
        )
    composite = rank_b.astype(np.int64) * span + key_b
    order = np.argsort(composite, kind="stable")
    composite = composite[order]
    cum = np.r_[0.0, np.cumsum(w_b[order])]
    equal = (
        cum[np.searchsorted(composite, q_rank * span + hi)]
        - cum[np.searchsorted(composite, q_rank * span + lo)]
    )
    return less, equal
