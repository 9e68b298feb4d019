"""The risk-set sums of the Cox partial likelihood: one Newton step's log-likelihood, score and information.

Layout
------
The rows are sorted once by (stratum, exit time). Each distinct (stratum, exit time) pair gets a code
0..U-1 in that order, so that every per-time quantity is an array of length U (the number of distinct
times: a few thousand with whole days, about n with continuous times) instead of n. A row is at risk at
the code g of an event time when ``first[i] <= g <= last[i]``, where ``last[i]`` is the code of its exit
and ``first[i]`` the first code of its stratum whose time is after its entry (the first code of the
stratum when there is no entry).

At each Newton step only exp(X beta) changes. The step

1. collapses the rows into their exit codes: R0[u] = sum w exp(eta), R1[u] = sum w exp(eta) x (one sparse
   segment-sum matrix times X, one pass over the rows);
2. takes the risk-set sums at each event time as suffix sums over codes within the stratum,

       S0(t) = sum_{i in R(t)} w_i exp(eta_i),  S1(t) = sum_{i in R(t)} w_i exp(eta_i) x_i,

   minus, with entry times, the same sums over the rows that enter at or after t (collapsed by ``first``);
3. forms the second-moment term of the information without S2(t): sum_t c_t S2(t) =
   X' diag(w exp(eta) sum_{t in the risk interval of i} c_t) X, one weighted cross-product (O(n p^2)),
   accumulated over blocks of rows so that no n x p temporary is made.

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

Reference: Therneau, T. M. and Grambsch, P. M. (2000). Modeling Survival Data: Extending the Cox Model.
Springer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

BLOCK_ROWS = 4096  # rows per block of the weighted cross-product: the block stays in the CPU cache


@dataclass(frozen=True)
class CoxStep:
    """The sums at one coefficient vector, in the sorted row order of :class:`RiskSets`.

    Per event group (distinct event time within a stratum): ``hazard`` (the baseline hazard increment
    sum_k m/d2_k), ``S1``, ``E1`` and the Efron scalars ``A`` .. ``Ee`` (``B``, ``D``, ``Ee`` are zero for
    Breslow). Per row: ``risk`` = exp(eta) and ``row_hazard`` = the summed hazard increments over the row's
    risk interval.
    """

    loglik: float
    score: NDArray[np.float64]
    info: NDArray[np.float64]
    hazard: NDArray[np.float64]
    risk: NDArray[np.float64]
    row_hazard: NDArray[np.float64]
    S1: NDArray[np.float64]
    E1: NDArray[np.float64]
    A: NDArray[np.float64]
    B: NDArray[np.float64]
    C: NDArray[np.float64]
    D: NDArray[np.float64]
    Ee: NDArray[np.float64]


class _SegmentSums:
    """sum_{i in segment k} r_i [1, x_i] for fixed segments of rows, as one sparse matrix product.

    ``indptr`` delimits the segments in ``rows`` (row indices into X; ``None``: all n rows in order);
    every segment is non-empty.
    """

    def __init__(self, indptr: NDArray[np.int64], rows: NDArray[np.int64] | None, n: int) -> None:
        index_type = np.int32 if n < 2**31 - 1 else np.int64
        self.indptr = indptr.astype(index_type)
        self.rows = None if rows is None else rows.astype(index_type)
        self.columns = np.arange(n, dtype=index_type) if rows is None else self.rows
        self.shape = (indptr.shape[0] - 1, n)

    def __call__(self, r: NDArray[np.float64], X: NDArray[np.float64]) -> NDArray[np.float64]:
        out = np.empty((self.shape[0], X.shape[1] + 1))
        if self.shape[0] == 0:
            return out
        data = r if self.rows is None else r[self.rows]
        out[:, 0] = np.add.reduceat(data, self.indptr[:-1])
        out[:, 1:] = sparse.csr_matrix((data, self.columns, self.indptr), shape=self.shape) @ X
        return out


def _suffix(M: NDArray[np.float64]) -> NDArray[np.float64]:
    """total[k] = sum_{m >= k} M[m], with a zero row appended (total[len(M)] = 0)."""
    total = np.zeros((M.shape[0] + 1, M.shape[1]))
    np.cumsum(M[::-1], axis=0, out=total[:-1][::-1])
    return total


def weighted_cross_product(X: NDArray[np.float64], v: NDArray[np.float64]) -> NDArray[np.float64]:
    """X' diag(v) X, summed over blocks of rows (no n x p temporary)."""
    n, p = X.shape
    out = np.zeros((p, p))
    buffer = np.empty((min(n, BLOCK_ROWS), p))
    for start in range(0, n, BLOCK_ROWS):
        rows = X[start : start + BLOCK_ROWS]
        block = buffer[: rows.shape[0]]
        np.multiply(rows, v[start : start + BLOCK_ROWS, None], out=block)
        out += block.T @ rows
    return out


class RiskSets:
    """The sorted data and the fixed index arrays; :meth:`evaluate` does one Newton step's sums.

    ``X - center`` is what the sums use. Attributes used by the fit: ``order`` (sorted row -> input row),
    ``X`` (centred), ``w``, ``event`` (sorted),
    ``event_time`` and ``event_stratum`` (one per event group, in order).
    """

    def __init__(
        self,
        X: NDArray[np.float64],
        time: NDArray[np.float64],
        event: NDArray[np.int64],
        entry: NDArray[np.float64] | None,
        strata: NDArray[np.int64],
        weights: NDArray[np.float64],
        efron: bool,
        center: NDArray[np.float64],
    ) -> None:
        stratified = strata.shape[0] > 0 and strata.min() != strata.max()
        order = _sort_rows(time, strata if stratified else None)
        self.order = order
        self.X = np.take(X, order, axis=0)  # a C-ordered copy, then centred in place
        self.X -= center
        self.w = weights[order]
        self.event = event[order]
        self.efron = efron
        n, p = self.X.shape
        self.n, self.p = n, p

        stop = time[order]
        stratum = strata[order]
        new_code = np.empty(n, dtype=bool)
        new_code[:1] = True
        np.not_equal(stop[1:], stop[:-1], out=new_code[1:])
        new_stratum = np.zeros(n, dtype=bool)
        if stratified:
            np.not_equal(stratum[1:], stratum[:-1], out=new_stratum[1:])
            new_code |= new_stratum
        new_stratum[:1] = True
        code_start = np.flatnonzero(new_code)  # first sorted row of each code
        code = np.cumsum(new_code) - 1  # the exit code of each sorted row
        U = code_start.shape[0]
        code_time = stop[code_start]
        code_stratum = stratum[code_start]
        # first and one-past-last code of each code's stratum
        stratum_first_code = code[np.flatnonzero(new_stratum)]
        stratum_index = np.cumsum(new_stratum[code_start]) - 1
        stratum_end_code = np.r_[stratum_first_code[1:], U][stratum_index]
        self.last_plus_one = code + 1
        self.first: NDArray[np.int64] | None = None  # None: the first code (0) for every row
        self.entry_sums = None
        if entry is None and stratified:
            self.first = stratum_first_code[np.cumsum(new_stratum) - 1]
        elif entry is not None:
            # codes of the row's stratum with time <= entry come before ``first``
            self.first = _first_code_after(code_time, code_stratum, entry[order], stratum)
            enters_late = np.flatnonzero(self.first > stratum_first_code[np.cumsum(new_stratum) - 1])
            late = enters_late[np.argsort(self.first[enters_late])]
            late_first = self.first[late]
            late_start = np.flatnonzero(np.r_[True, late_first[1:] != late_first[:-1]]) if late.size else late
            self.entry_codes = late_first[late_start]  # distinct values of ``first`` among late entrants
            self.entry_sums = _SegmentSums(np.r_[late_start, late.shape[0]], late, n)
        self.exit_sums = _SegmentSums(np.r_[code_start, n], None, n)

        # event groups: the codes that hold at least one event
        ev = np.flatnonzero(self.event)
        self.ev = ev
        ev_code = code[ev]
        gstart = np.flatnonzero(np.r_[True, ev_code[1:] != ev_code[:-1]]) if ev.size else ev
        self.gstart = gstart
        self.gcode = gcode = ev_code[gstart]
        self.gend = stratum_end_code[gcode]
        self.event_time = code_time[gcode]
        self.event_stratum = code_stratum[gcode]
        d_count = np.diff(np.r_[gstart, ev.shape[0]])
        self.d = d_count.astype(np.float64)
        self.gidx = np.repeat(np.arange(gcode.shape[0]), d_count)  # event group of each death
        self.X_death = self.X[ev]  # the deaths' rows, contiguous
        self.death_sums = _SegmentSums(np.r_[gstart, ev.shape[0]], None, ev.shape[0])
        self.U = U
        self.W = np.add.reduceat(self.w[ev], gstart) if ev.size else np.zeros(0)
        self.wx_death = (self.w * self.event) @ self.X
        if efron:
            # Efron fractions k/d, k = 0..d-1, for every death (the deaths of a group are contiguous).
            self.frac = (np.arange(ev.shape[0]) - gstart[self.gidx]) / self.d[self.gidx]
            self.mw = self.W / self.d  # mean death weight, as coxph
        else:
            self.frac = np.zeros(ev.shape[0])
            self.mw = self.W

    def _per_row(self, per_group: NDArray[np.float64]) -> NDArray[np.float64]:
        """sum over the event groups in each row's risk interval [first, last] of a per-group array."""
        per_code = np.zeros((self.U, *per_group.shape[1:]))
        per_code[self.gcode] = per_group
        cum = np.zeros((self.U + 1, *per_group.shape[1:]))
        np.cumsum(per_code, axis=0, out=cum[1:])
        if self.first is None:
            return cum[self.last_plus_one]
        return cum[self.last_plus_one] - cum[self.first]

    def evaluate(self, beta: NDArray[np.float64]) -> CoxStep:
        X, ev, gstart, gidx, mw = self.X, self.ev, self.gstart, self.gidx, self.mw
        eta = X @ beta
        er = np.exp(eta)
        r = self.w * er
        exit_total = _suffix(self.exit_sums(r, X))
        S = exit_total[self.gcode] - exit_total[self.gend]  # risk-set sums at each event time
        if self.entry_sums is not None:  # minus the rows of the stratum entering at or after t
            entry_total = _suffix(self.entry_sums(r, X))
            lo = np.searchsorted(self.entry_codes, self.gcode, side="right")
            hi = np.searchsorted(self.entry_codes, self.gend, side="left")
            S -= entry_total[lo] - entry_total[hi]
        E = self.death_sums(r[ev], self.X_death)  # sums over the deaths of each group
        S0, S1, E0, E1 = S[:, 0], S[:, 1:], E[:, 0], E[:, 1:]
        f = self.frac
        d2 = S0[gidx] - f * E0[gidx]  # Efron denominator S0 - (k/d) E0 (Breslow: f = 0)
        inv = 1.0 / d2
        inv2 = inv * inv
        if self.efron:
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
            B = D = Ee = np.zeros_like(S0)
        loglik = float(self.wx_death @ beta - mw @ logsum)
        hazard = mw * A  # hazard increment at each event time (Efron: sum_k m/d2_k)
        mB = mw * B
        score = self.wx_death - hazard @ S1 + mB @ E1
        row_hazard = self._per_row(hazard)
        # rows at risk at no event time add nothing (also when exp(eta) overflows there)
        v = np.multiply(r, row_hazard, out=np.zeros(self.n), where=row_hazard > 0)
        v[ev] -= r[ev] * mB[gidx]
        info = weighted_cross_product(X, v)  # sum_g m (A S2 - B E2)
        info -= S1.T @ (S1 * (mw * C)[:, None])
        cross = S1.T @ (E1 * (mw * D)[:, None])
        info += cross + cross.T
        info -= E1.T @ (E1 * (mw * Ee)[:, None])
        return CoxStep(
            loglik=loglik,
            score=score,
            info=info,
            hazard=hazard,
            risk=er,
            row_hazard=row_hazard,
            S1=S1,
            E1=E1,
            A=A,
            B=B,
            C=C,
            D=D,
            Ee=Ee,
        )

    def score_residuals(self, step: CoxStep) -> NDArray[np.float64]:
        """Unweighted score residuals (R ``residuals(fit, type = "score")``), in sorted order.

        Row i: delta_i (x_i - xbar_g(i)) - exp(eta_i) sum_{g in R^{-1}(i)} sum_k (m/d2_k)(x_i - xbar_k)
        where, for a death of group g, the k-th term is down-weighted by (1 - k/d) (Efron); with
        xbar_k = (S1 - f_k E1)/d2_k. Their weighted sum is the score.
        """
        X, ev, gidx, mw, er = self.X, self.ev, self.gidx, self.mw, step.risk
        S1, E1, A, B, C, D, Ee = step.S1, step.E1, step.A, step.B, step.C, step.D, step.Ee
        hzx = (mw * C)[:, None] * S1 - (mw * D)[:, None] * E1
        at_risk = np.where(step.row_hazard > 0, er, 0.0)  # rows at risk at no event time: no risk part
        resid = -at_risk[:, None] * (X * step.row_hazard[:, None] - self._per_row(hzx))
        scale = self.d if self.efron else np.ones_like(self.d)
        xbb = (A[:, None] * S1 - B[:, None] * E1) / scale[:, None]
        fb = (mw * B)[gidx]
        fbx = ((mw * D)[:, None] * S1 - (mw * Ee)[:, None] * E1)[gidx]
        X_death = self.X_death
        resid[ev] += er[ev, None] * (X_death * fb[:, None] - fbx) + X_death - xbb[gidx]
        return resid

    def weighted_information(self, step: CoxStep, c: NDArray[np.float64]) -> NDArray[np.float64]:
        """sum_g c_g I_g: the information with the contribution I_g of event group g weighted by c_g
        (``c`` all ones gives ``step.info``; the proportional hazards test uses c = g(t), g(t)^2)."""
        X, ev, gidx, mw = self.X, self.ev, self.gidx, self.mw
        r = self.w * step.risk
        row_c = self._per_row(step.hazard * c)
        v = np.multiply(r, row_c, out=np.zeros(self.n), where=step.row_hazard > 0)
        v[ev] -= r[ev] * (mw * step.B * c)[gidx]
        info = weighted_cross_product(X, v)
        info -= step.S1.T @ (step.S1 * (mw * step.C * c)[:, None])
        cross = step.S1.T @ (step.E1 * (mw * step.D * c)[:, None])
        info += cross + cross.T
        info -= step.E1.T @ (step.E1 * (mw * step.Ee * c)[:, None])
        return info


def _sort_rows(time: NDArray[np.float64], strata: NDArray[np.int64] | None) -> NDArray[np.int64]:
    """The permutation that sorts the rows by (stratum, time).

    Rows with equal (stratum, time) come in no particular order, which changes the sums only by rounding.
    The strata codes (0..k-1) are sorted stably after the times, as the smallest unsigned integer type,
    for which NumPy's stable sort is a radix sort.
    """
    order = np.argsort(time)
    if strata is not None:
        small = strata[order].astype(np.min_scalar_type(int(strata.max())))
        order = order[np.argsort(small, kind="stable")]
    return order


def _first_code_after(
    code_time: NDArray[np.float64],
    code_stratum: NDArray[np.int64],
    entry: NDArray[np.float64],
    stratum: NDArray[np.int64],
) -> NDArray[np.int64]:
    """For each row, the first code of its stratum whose time is after its entry time.

    Codes are ordered by (stratum, time); both are mapped to one integer key stratum * K + time rank.
    """
    times = np.unique(code_time)
    K = np.int64(times.shape[0] + 1)
    code_key = code_stratum * K + np.searchsorted(times, code_time, side="left")
    # number of distinct exit times <= entry: codes of the stratum with a smaller rank are not at risk
    row_key = stratum * K + np.searchsorted(times, entry, side="right")
    return np.searchsorted(code_key, row_key, side="left")
