"""Fine-Gray proportional subdistribution hazards regression (R ``cmprsk::crr``).

Model and estimator
-------------------
Fine & Gray [@FineGray1999] model the subdistribution hazard of cause 1,
lambda_1(t | x) = lambda_10(t) exp(x'b). Subjects who fail from another cause stay in the risk set after
their failure, with the inverse probability of censoring weight of Fine & Gray (1999, Sec. 3, Eq. 6 and
the pseudo-likelihood after it):

    w_j(t) = 1                          if T_j >= t,
    w_j(t) = G(t-) / G(T_j-)            if T_j < t and j failed from a competing cause,
    w_j(t) = 0                          otherwise,

where G is the Kaplan-Meier estimate of the censoring distribution (censorings are the events; failures
of any cause are censored), evaluated just before t as ``crr`` does (``ftime * (1 - 100 eps)``), and
computed separately within each censoring group (``crr``'s ``cengroup``). Tied failures share one
denominator (Breslow [@Breslow1974]), as in ``crr``.

Linear-time risk-set sums (derivation)
--------------------------------------
Sort once by time. For a failure time t and a censoring group k,

    S_r(t) = sum_{T_j >= t} w_j e^{eta_j} x_j^r
           + sum_k G_k(t-) * sum_{j in k, competing, T_j < t} w_j e^{eta_j} x_j^r / G_k(T_j-),   r = 0, 1,

because the weight G_k(t-)/G_k(T_j-) factorises into a part depending on t only and a part depending on
j only. The first sum is a suffix sum over the sorted rows; the inner sum of the second is a prefix sum
over the competing failures of group k, read at the number of them before t. Both cost O(n p) per Newton
step. The information needs sum_t c_t S_2(t) with c_t = (failure weight at t)/S_0(t); exchanging the
sums gives sum_j w_j e^{eta_j} x_j x_j' v_j with

    v_j = sum_{t <= T_j} c_t + [j competing] / G_k(T_j-) * sum_{t > T_j} c_t G_k(t-),

a prefix and a suffix sum over the failure times: one weighted cross-product, O(n p^2).

Variance
--------
The sandwich of Fine & Gray (1999, Sec. 3, the variance estimator with eta_i and psi_i), as ``crr``:
V = I^{-1} (sum_i (eta_i + psi_i)^{(x)2}) I^{-1}, where eta_i is the score residual and psi_i the
correction for estimating G. For subject i of censoring group k,

    psi_i  = int q_k(u) / pi_k(u) dM^c_i(u),
    q_k(u) = sum_{s >= u} h_k(s) sum_{j in k, competing, T_j < u} e^{eta_j} G_k(s-)/G_k(T_j-) (x_j - xbar(s)),

with pi_k(u) the number at risk in group k, dM^c_i the censoring martingale of group k and
h_k(s) = dN_1k(s) / S0(s), where dN_1k counts the failures of the cause of interest *in group k* only.
That last restriction is ``crr``'s (cmprsk 2.2-11, ``crrvv`` in ``crr.f``): its q(u) loop accumulates the
competing-failure sums by group (``ss3(k,icg(j2))``, ``ss4(icg(j2))``) and, for each failure ``j1`` of
the cause of interest, adds only its own group's sums to its own group's q,
``qu(k,icg(j1)) = qu(k,icg(j1)) + (ss3(k,icg(j1)) - xb(j1,k)*ss4(icg(j1))/xb(j1,0))/xb(j1,0)``.
So q_k pairs group k's competing failures with group k's failures, not with the failures of every group.
(A plug-in of the shared baseline hazard, h(s) = dN_1(s) / S0(s) over all groups, is the other reading
of Fine & Gray's q(u); the two coincide with one censoring group and differ, slightly, with several.
We follow ``crr``; tests/survival/test_fine_gray_reference.py checks the whole variance matrix against
``crr`` with three censoring groups.) The eta_i part uses the failures of every group, as ``crr`` does.
q_k factorises, q_k(u) = a_k(u) B0_k(u) - a0_k(u) B1_k(u) with a_k, a0_k prefix sums over group k's
competing failures before u and B0_k(u) = sum_{s >= u} h_k(s) G_k(s-), B1_k(u) = sum_{s >= u} h_k(s)
G_k(s-) xbar(s) suffix sums over failure times; so eta and psi are O(n p) per group.

Case weights (not in ``crr``) multiply every sum above, weight the censoring Kaplan-Meier, and the
sandwich uses sum_i (w_i (eta_i + psi_i))^{(x)2} (as ``coxph`` with weights and ``robust = TRUE``). With
integer weights the coefficients equal ``crr`` on the replicated rows.

``strata`` here are ``crr``'s ``cengroup``: groups with their own censoring distribution. They do NOT
give a stratified baseline subdistribution hazard [@Zhou2011]; the baseline is shared.

References
----------
[@FineGray1999]: Fine JP, Gray RJ. A proportional hazards model for the subdistribution of a competing
risk. J Am Stat Assoc 1999;94:496-509. ``crr`` is R's cmprsk 2.2-11 (``R/cmprsk.R``, ``src/crr.f``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from remission.survival.design import DesignSpec, design_matrix
from remission.survival.regression_checks import (
    CAUSE_ABSENT,
    FG_NOT_CONVERGED,
    INFINITE_COEF,
    LINE_SEARCH_FAILED,
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
    check_cause,
    check_conf_level,
    check_init,
    check_time,
    check_weights,
)

GTOL = 1e-6  # crr(gtol = 1e-06)
MAXITER = 10  # crr(maxiter = 10)


class _FineGrayData:
    """Sorted data, censoring weights and index arrays; ``evaluate`` does one Newton step's sums."""

    def __init__(
        self,
        X: NDArray[np.float64],
        time: NDArray[np.float64],
        status: NDArray[np.int64],
        group: NDArray[np.int64],
        w: NDArray[np.float64],
    ) -> None:
        order = np.argsort(time, kind="stable")  # the one sort (crr: order(ftime))
        self.order = order
        self.time = t = time[order]
        self.status = status[order]  # 1 = cause of interest, 2 = competing, 0 = censored
        self.group = group[order]
        self.w = w[order]
        self.X = np.take(X, order, axis=0)  # C-ordered
        self.n, self.p = self.X.shape
        self.n_groups = int(self.group.max()) + 1

        fail = np.flatnonzero(self.status == 1)
        self.fail = fail
        self.ft, fidx = np.unique(t[fail], return_inverse=True)  # distinct failure times
        self.fidx = fidx.ravel()
        self.W = np.bincount(self.fidx, weights=self.w[fail], minlength=self.ft.shape[0])
        self.W_group = np.zeros((self.n_groups, self.ft.shape[0]))  # the same, by censoring group
        np.add.at(self.W_group, (self.group[fail], self.fidx), self.w[fail])
        self.wx_fail = self.w[fail] @ self.X[fail]
        self.lo = np.searchsorted(t, self.ft, side="left")  # rows with T >= t
        self.n_le = np.searchsorted(self.ft, t, side="right")  # failure times <= T_j

        # Censoring Kaplan-Meier per group, read just before a time: G_k(t-).
        self.G_before_own = np.ones(self.n)
        self.G_ft = np.ones((self.n_groups, self.ft.shape[0]))
        self.km: list[tuple[NDArray, NDArray]] = []
        for k in range(self.n_groups):
            rows = np.flatnonzero(self.group == k)
            times_k, first = np.unique(t[rows], return_index=True)
            at_risk = np.cumsum(self.w[rows][::-1])[::-1][first]
            censored = np.bincount(
                np.searchsorted(times_k, t[rows]),
                weights=self.w[rows] * (self.status[rows] == 0),
                minlength=times_k.shape[0],
            )
            with np.errstate(divide="ignore", invalid="ignore"):
                factor = np.where(at_risk > 0, 1.0 - censored / at_risk, 1.0)
            G = np.cumprod(factor)  # Kaplan-Meier of the censoring distribution at times_k
            self.km.append((times_k, G))
            self.G_before_own[rows] = self._G_before(k, t[rows])
            self.G_ft[k] = self._G_before(k, self.ft)
        # Competing failures per group, in time order (prefix sums over them).
        self.comp = [np.flatnonzero((self.status == 2) & (self.group == k)) for k in range(self.n_groups)]
        self.comp_before_ft = [np.searchsorted(t[c], self.ft, side="left") for c in self.comp]

    def _G_before(self, k: int, at: NDArray[np.float64]) -> NDArray[np.float64]:
        """G_k(t-): the censoring survivor just before ``at`` (crr: approx at ftime * (1 - 100 eps))."""
        times_k, G = self.km[k]
        index = np.searchsorted(times_k, at, side="left") - 1
        before = np.where(index >= 0, G[np.maximum(index, 0)], 1.0)
        # crr's approx() returns 0 after the group's last time, even when that time is not a censoring
        return np.where(at > times_k[-1], 0.0, before)

    def risk_sums(self, beta: NDArray[np.float64]) -> tuple[NDArray, NDArray, NDArray]:
        eta = self.X @ beta
        er = np.exp(eta)
        r = self.w * er
        M = np.empty((self.n, self.p + 1))
        M[:, 0] = r
        np.multiply(self.X, r[:, None], out=M[:, 1:])
        # subjects still event-free at each failure time t (T >= t): the sums of the rows from one failure
        # time's first row to the next one's, then added up from the last failure time backwards
        segments = np.add.reduceat(M, self.lo, axis=0)  # self.lo is strictly increasing
        S = np.cumsum(segments[::-1], axis=0)[::-1].copy()
        for k in range(self.n_groups):
            comp = self.comp[k]
            if comp.size == 0:
                continue
            prefix = np.zeros((comp.size + 1, self.p + 1))
            np.cumsum(M[comp] / self.G_before_own[comp, None], axis=0, out=prefix[1:])
            S += self.G_ft[k][:, None] * prefix[self.comp_before_ft[k]]  # G_k(t-) / G_k(T_j-) weights
        return eta, er, S

    def evaluate(self, beta: NDArray[np.float64], want_info: bool = True) -> dict:
        eta, er, S = self.risk_sums(beta)
        S0, S1 = S[:, 0], S[:, 1:]
        with np.errstate(divide="ignore", invalid="ignore"):
            loglik = float(self.wx_fail @ beta - self.W @ np.log(S0))  # crr's pseudo log-likelihood
        c = self.W / S0
        U = self.wx_fail - c @ S1
        out = {"loglik": loglik, "U": U, "eta": eta, "er": er, "S0": S0, "S1": S1}
        if not want_info:
            return out
        prefix_c = np.r_[0.0, np.cumsum(c)]
        v = prefix_c[self.n_le]  # failure times t <= T_j
        for k in range(self.n_groups):
            comp = self.comp[k]
            if comp.size == 0:
                continue
            tail = np.r_[np.cumsum((c * self.G_ft[k])[::-1])[::-1], 0.0]  # sum_{t > T_j} c_t G_k(t-)
            v[comp] += tail[self.n_le[comp]] / self.G_before_own[comp]
        v *= self.w * er
        info = (self.X * v[:, None]).T @ self.X - S1.T @ (S1 * (c / S0)[:, None])
        out["info"] = info
        return out

    def influence(self, state: dict) -> NDArray[np.float64]:
        """eta_i + psi_i for each sorted row (Fine & Gray 1999; crr's ``crrvv``)."""
        X, er, S0, S1 = self.X, state["er"], state["S0"], state["S1"]
        p = self.p
        h = self.W / S0  # hazard increment per unit risk at each failure time
        xbar = S1 / S0[:, None]
        hx = h[:, None] * xbar
        H = np.r_[0.0, np.cumsum(h)]
        HX = np.vstack([np.zeros((1, p)), np.cumsum(hx, axis=0)])
        n_le = self.n_le
        eta = -er[:, None] * (X * H[n_le][:, None] - HX[n_le])  # risk while T_j >= t
        fail = self.fail
        eta[fail] += X[fail] - xbar[self.fidx]  # dN part
        for k in range(self.n_groups):
            comp = self.comp[k]
            if comp.size:
                # after a competing failure: weight G_k(t-)/G_k(T_j-), failure times t > T_j (all groups')
                B0, B1 = weighted_suffix_sums(h, xbar, self.G_ft[k])
                scale = er[comp] / self.G_before_own[comp]
                eta[comp] -= scale[:, None] * (X[comp] * B0[n_le[comp]][:, None] - B1[n_le[comp]])

        # psi: q_k(u) at the distinct censoring times of group k, then group k's censoring martingale.
        t = self.time
        psi = np.zeros((self.n, p))
        for k in range(self.n_groups):
            rows = np.flatnonzero(self.group == k)
            cens_k = np.flatnonzero((self.status == 0) & (self.group == k))
            if cens_k.size == 0:
                continue
            u_k, dnc = np.unique(t[cens_k], return_inverse=True)
            q_k = np.zeros((u_k.shape[0], p))
            comp = self.comp[k]
            if comp.size:
                # crr: q_k pairs group k's competing failures with group k's failures of the cause of
                # interest only, h_k(s) = dN_1k(s) / S0(s) (crrvv, ss3/ss4 and qu indexed by icg(j1))
                C0, C1 = weighted_suffix_sums(self.W_group[k] / S0, xbar, self.G_ft[k])
                n_ge = np.searchsorted(self.ft, u_k, side="left")  # failure times s >= u
                a = self.w[comp] * er[comp] / self.G_before_own[comp]
                a0 = np.r_[0.0, np.cumsum(a)]
                a1 = np.vstack([np.zeros((1, p)), np.cumsum(a[:, None] * X[comp], axis=0)])
                before = np.searchsorted(t[comp], u_k, side="left")  # competing failures with T_j < u
                q_k = a1[before] * C0[n_ge][:, None] - a0[before][:, None] * C1[n_ge]
            dNc = np.bincount(dnc.ravel(), weights=self.w[cens_k], minlength=u_k.shape[0])
            tk = t[rows]
            wk_suffix = np.r_[np.cumsum(self.w[rows][::-1])[::-1], 0.0]
            pi = wk_suffix[np.searchsorted(tk, u_k, side="left")]  # weight at risk in group k at u
            compensator = np.vstack([np.zeros((1, p)), np.cumsum(q_k * (dNc / pi**2)[:, None], axis=0)])
            psi[rows] -= compensator[np.searchsorted(u_k, tk, side="right")]  # -int_{u <= T_i} q dNc/pi^2
            own = np.searchsorted(u_k, t[cens_k])
            psi[cens_k] += q_k[own] / pi[own][:, None]  # + q(T_i)/pi(T_i) for i censored
        return eta + psi


def weighted_suffix_sums(
    h: NDArray[np.float64], xbar: NDArray[np.float64], g: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """sum_{s >= t_i} h(s) G(s-) and sum_{s >= t_i} h(s) G(s-) xbar(s) over failure times, index i = 0..m
    (the influence terms' sums; also the federated Fine-Gray's, :mod:`remission.federated.regression`)."""
    hg = h * g
    B0 = np.r_[np.cumsum(hg[::-1])[::-1], 0.0]
    B1 = np.vstack([np.cumsum((hg[:, None] * xbar)[::-1], axis=0)[::-1], np.zeros((1, xbar.shape[1]))])
    return B0, B1


@dataclass(frozen=True)
class FineGrayResult:
    """A fitted Fine-Gray model, shaped like :class:`~remission.survival.cox.CoxResult`.

    ``se`` is ``crr``'s sandwich standard error (``sqrt(diag(fit$var))``), so ``robust_se`` is the same
    array; ``model_se`` is the model-based one from the inverse information (``fit$invinf``).
    ``loglik`` is (null, final) of the pseudo log-likelihood ``crr`` reports (``loglik.null``,
    ``loglik``); ``lr_test`` is the pseudo likelihood-ratio test of ``summary.crr``.
    """

    names: list[str]
    coef: NDArray[np.float64]
    se: NDArray[np.float64]
    robust_se: NDArray[np.float64]
    model_se: NDArray[np.float64]
    z: NDArray[np.float64]
    p_value: NDArray[np.float64]
    conf_int: NDArray[np.float64]
    var: NDArray[np.float64]
    loglik: tuple[float, float]
    lr_test: ChiSquareTest
    wald_test: ChiSquareTest
    score_test: ChiSquareTest
    n: int
    n_event: int
    n_competing: int
    iterations: int
    converged: bool
    cause_of_interest: int
    conf_level: float
    _spec: DesignSpec = field(repr=False)
    _failure_times: NDArray[np.float64] = field(repr=False)
    _jumps: NDArray[np.float64] = field(repr=False)  # baseline subdistribution hazard jumps at x = 0

    @property
    def hazard_ratio(self) -> NDArray[np.float64]:
        """Subdistribution hazard ratios exp(coef)."""
        return np.exp(self.coef)

    def to_frame(self) -> pd.DataFrame:
        return coefficient_frame(
            self.names, self.coef, self.se, self.robust_se, self.z, self.p_value, self.conf_int
        )

    def baseline_hazard(self) -> pd.DataFrame:
        """Cumulative baseline subdistribution hazard at x = 0 (cumsum of crr's ``bfitj``)."""
        return pd.DataFrame({"time": self._failure_times, "hazard": np.cumsum(self._jumps)})

    def predict_cumulative_incidence(self, new_X: ArrayLike | pd.DataFrame, times: ArrayLike) -> NDArray:
        """F_1(t | x) = 1 - exp(-exp(x'b) Lambda_10(t)), as ``predict.crr``; shape (n_new, n_times)."""
        Xn = self._spec.encode(new_X)
        times = np.atleast_1d(np.asarray(times, dtype=np.float64))
        cum = np.r_[0.0, np.cumsum(self._jumps)]
        at = np.searchsorted(self._failure_times, times, side="right")
        return 1.0 - np.exp(-np.outer(np.exp(Xn @ self.coef), cum[at]))


def fine_gray(
    X: ArrayLike | pd.DataFrame,
    time: ArrayLike,
    cause: ArrayLike,
    *,
    cause_of_interest: int = 1,
    strata: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    conf_level: float = 0.95,
    variance: bool = True,
    init: ArrayLike | None = None,
) -> FineGrayResult:
    """Fit the Fine-Gray model by Newton-Raphson with ``crr``'s line search and convergence rule.

    Parameters
    ----------
    X : array_like, shape (n, p), or pandas.DataFrame
        Covariates; factor columns become treatment-coded dummies (see :mod:`.design`).
    time : array_like, shape (n,)
    cause : array_like, shape (n,)
        0 = censored, 1..k = the cause of the event.
    cause_of_interest : int
        The cause modelled (``crr``'s ``failcode``); every other positive cause competes.
    strata : array_like, shape (n,), optional
        Censoring groups (``crr``'s ``cengroup``): a separate censoring Kaplan-Meier per group. Not a
        stratified baseline.
    weights : array_like, shape (n,), optional
        Case weights (not in ``crr``; see the module notes).
    conf_level : float
    variance : bool
        As ``crr(variance = FALSE)`` when false: the sandwich variance is not computed (the costliest part
        of a fit with many rows), and every variance, standard error, z, p-value, interval and the Wald
        test are NaN. For fits whose coefficients and baseline alone are used (a bootstrap refit).
    init : array_like, shape (p,), optional
        Starting coefficients (``crr``'s ``init``), one per design column; default 0. The initial
        pseudo log-likelihood (``loglik[0]``), the likelihood-ratio and the score tests are then at
        ``init``, as :func:`~remission.survival.cox` does with R's ``coxph(init =)``.

    Returns
    -------
    FineGrayResult

    Notes
    -----
    ``crr``: start at 0; stop when max_j |U_j| max(|b_j|, 1) < max(|loglik|, 1) 1e-6, at most 10
    iterations; each Newton step is halved until the pseudo log-likelihood rises by at least
    1e-4 * (step . score) (at most 20 halvings). ``iterations`` counts the Newton steps taken.
    """
    conf_level = check_conf_level(conf_level)
    time_arr = check_time(time, "time")
    n = time_arr.shape[0]
    cause_arr = check_cause(cause, n)
    present = sorted(int(c) for c in np.unique(cause_arr) if c > 0)
    if int(cause_of_interest) not in present:
        raise SurvivalInputError(CAUSE_ABSENT.format(cause=cause_of_interest, present=present))
    weights_arr = check_weights(weights, n)
    w = np.ones(n) if weights_arr is None else weights_arr
    group, _ = group_codes(strata, n, "strata")
    Xmat, names, spec = design_matrix(X)
    check_design_values(Xmat, names, n)
    p = Xmat.shape[1]
    status = np.where(cause_arr == cause_of_interest, 1, np.where(cause_arr > 0, 2, 0)).astype(np.int64)
    n_event = int((status == 1).sum())
    check_events(n_event, p)
    means = Xmat.mean(axis=0)
    Xc = Xmat - means  # the pseudo-likelihood is invariant to centring; crr does not centre

    data = _FineGrayData(Xc, time_arr, status, group, w)
    beta = np.zeros(p) if init is None else check_init(init, p)
    state0 = data.evaluate(beta)
    state = state0
    converged = False
    iteration = 0
    for iteration in range(MAXITER + 1):
        f, st = -state["loglik"], -state["U"]  # crr minimises minus the log pseudo-likelihood
        if np.max(np.abs(st) * np.maximum(np.abs(beta), 1.0)) < max(abs(f), 1.0) * GTOL:
            converged = True
            break
        if iteration == MAXITER:
            break
        step = solve_information(state["info"], state["U"])
        slope = float(step @ st)
        halvings = 0
        with np.errstate(over="ignore", invalid="ignore"):
            f_new = -data.evaluate(beta + step, want_info=False)["loglik"]
            while not np.isfinite(f_new) or f_new > f + 1e-4 * slope:
                halvings += 1
                step = step * 0.5
                f_new = -data.evaluate(beta + step, want_info=False)["loglik"]
                if halvings > 20:
                    break
        if halvings > 20:
            warnings.warn(LINE_SEARCH_FAILED.format(iteration=iteration), ConvergenceWarning, stacklevel=2)
            break
        beta = beta + step
        state = data.evaluate(beta)
    if not converged:
        score = np.abs(state["U"]) * np.maximum(np.abs(beta), 1.0)
        warnings.warn(
            FG_NOT_CONVERGED.format(iterations=iteration, score=float(score.max()))
            + "; "
            + INFINITE_COEF.format(names=repr(names[int(np.argmax(score))])),
            ConvergenceWarning,
            stacklevel=2,
        )

    info = state["info"]
    inv_info = invert_information(info)
    if variance:
        influence = data.influence(state) * data.w[:, None]
        var = inv_info @ (influence.T @ influence) @ inv_info  # sandwich: I^-1 sum (eta+psi)^2 I^-1
        wald = float(beta @ solve_information(var, beta))
    else:
        var, wald = np.full((p, p), np.nan), math.nan
    se = np.sqrt(np.diag(var))
    z, p_value, conf_int = wald_table(beta, se, conf_level)
    loglik0, loglik1 = float(state0["loglik"]), float(state["loglik"])
    jumps = data.W / state["S0"] * np.exp(-means @ beta)  # bfitj: jumps for uncentred covariates
    return FineGrayResult(
        names=names,
        coef=beta,
        se=se,
        robust_se=se,
        model_se=np.sqrt(np.diag(inv_info)) if variance else np.full(p, np.nan),
        z=z,
        p_value=p_value,
        conf_int=conf_int,
        var=var,
        loglik=(loglik0, loglik1),
        lr_test=ChiSquareTest.of(2.0 * (loglik1 - loglik0), p),
        wald_test=ChiSquareTest.of(wald, p),
        score_test=ChiSquareTest.of(float(state0["U"] @ solve_information(state0["info"], state0["U"])), p),
        n=n,
        n_event=n_event,
        n_competing=int((status == 2).sum()),
        iterations=iteration,
        converged=converged,
        cause_of_interest=int(cause_of_interest),
        conf_level=conf_level,
        _spec=spec,
        _failure_times=data.ft,
        _jumps=jumps,
    )
