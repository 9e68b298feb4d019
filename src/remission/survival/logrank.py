"""The log-rank test and the Fleming-Harrington G-rho family, matching R ``survival::survdiff``.

References
----------
Harrington DP, Fleming TR (1982). A class of rank test procedures for censored survival data.
Biometrika 69:553-566.
Klein JP, Moeschberger ML (2003). Survival Analysis, 2nd ed., Section 7.3 (Eqs. 7.3.2-7.3.5) and 7.5
(stratified tests).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.stats import chi2

from remission.survival._tabulate import safe_divide
from remission.survival.validation import (
    TOO_FEW_GROUPS,
    SurvivalInputError,
    check_event,
    check_labels,
    check_rho,
    check_time,
)


@dataclass(frozen=True)
class LogrankResult:
    """Result of :func:`logrank_test`.

    ``observed`` and ``expected`` are per group, summed over strata, and weighted by ``S(t-)**rho``
    as R ``survdiff`` reports them; ``variance`` is the (groups × groups) variance matrix of
    ``observed - expected``.
    """

    groups: NDArray
    n: NDArray[np.int64]
    observed: NDArray[np.float64]
    expected: NDArray[np.float64]
    variance: NDArray[np.float64]
    statistic: float
    df: int
    p_value: float
    rho: float

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "group": self.groups,
                "n": self.n,
                "observed": self.observed,
                "expected": self.expected,
                "o_minus_e_sq_over_e": safe_divide((self.observed - self.expected) ** 2, self.expected),
                "o_minus_e_sq_over_v": safe_divide(
                    (self.observed - self.expected) ** 2, np.diag(self.variance).copy()
                ),
            }
        )


def _stratum_sums(
    time: NDArray[np.float64], event: NDArray[np.int64], codes: NDArray[np.int64], n_groups: int, rho: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Weighted observed, expected and variance within one stratum."""
    unique_time, index = np.unique(time, return_inverse=True)
    index = index.reshape(-1)
    n_times = unique_time.shape[0]
    cells = index * n_groups + codes
    size = n_times * n_groups
    leaving = np.bincount(cells, minlength=size).reshape(n_times, n_groups).astype(np.float64)
    deaths = np.bincount(cells, weights=event.astype(np.float64), minlength=size).reshape(n_times, n_groups)
    at_risk = np.cumsum(leaving[::-1], axis=0)[::-1]
    n_total = at_risk.sum(axis=1)
    d_total = deaths.sum(axis=1)
    keep = d_total > 0
    at_risk, deaths, n_total, d_total = at_risk[keep], deaths[keep], n_total[keep], d_total[keep]
    # Fleming-Harrington weight S(t-)**rho, S the pooled Kaplan-Meier within the stratum (left limit)
    if rho == 0:
        weight = np.ones_like(n_total)
    else:
        km = np.cumprod(1.0 - d_total / n_total)
        weight = np.concatenate([[1.0], km[:-1]]) ** rho
    share = at_risk / n_total[:, None]
    observed = weight @ deaths
    # Klein & Moeschberger Eq. 7.3.2: E_g = sum W d n_g / n
    expected = (weight * d_total) @ share
    # Eq. 7.3.4: V_gh = sum W^2 d (n - d)/(n - 1) * (n_g/n)(delta_gh - n_h/n), terms with n = 1 dropped
    factor = safe_divide(weight**2 * d_total * (n_total - d_total), n_total - 1.0)
    variance = np.diag(factor @ share) - np.einsum("t,tg,th->gh", factor, share, share)
    return observed, expected, variance


def logrank_test(
    time: ArrayLike,
    event: ArrayLike,
    group: ArrayLike,
    *,
    strata: ArrayLike | None = None,
    rho: float = 0.0,
) -> LogrankResult:
    """Compare survival between groups: log-rank (``rho = 0``) or Fleming-Harrington G-rho test.

    Parameters
    ----------
    time, event : array_like, shape (n,)
        Follow-up time and 0/1 event indicator.
    group : array_like, shape (n,)
        Group labels (at least two distinct values).
    strata : array_like, shape (n,), optional
        Stratum labels: risk sets are formed within strata and the sums added (Klein & Moeschberger 7.5).
    rho : float
        Weight ``S(t-)**rho`` with S the pooled Kaplan-Meier (within stratum); ``rho = 1`` is the
        Peto-Peto-Prentice / Gehan-Wilcoxon-type test as in R.

    Returns
    -------
    LogrankResult
        ``statistic = (O - E)' V^- (O - E)`` over groups with ``E > 0`` less one, ``df`` their number less
        one, as R ``survdiff`` (which also reports ``statistic = 0`` when fewer than two groups have
        ``E > 0``). Where the variance matrix is singular R stops with an error; we return NaN.
    """
    time_a = check_time(time)
    n = time_a.shape[0]
    event_a = check_event(event, n)
    groups, codes = check_labels(group, n, "group")
    rho = check_rho(rho)
    if groups.shape[0] < 2:
        raise SurvivalInputError(TOO_FEW_GROUPS.format(name="group", count=groups.shape[0]))
    n_groups = groups.shape[0]
    if strata is None:
        strata_codes = np.zeros(n, dtype=np.int64)
        n_strata = 1
    else:
        strata_labels, strata_codes = check_labels(strata, n, "strata")
        n_strata = strata_labels.shape[0]

    observed = np.zeros(n_groups)
    expected = np.zeros(n_groups)
    variance = np.zeros((n_groups, n_groups))
    if n_strata == 1:
        parts = [np.arange(n)]
    else:
        order = np.argsort(strata_codes, kind="stable")
        parts = np.split(order, np.cumsum(np.bincount(strata_codes, minlength=n_strata))[:-1])
    for rows in parts:
        o, e, v = _stratum_sums(time_a[rows], event_a[rows], codes[rows], n_groups, rho)
        observed += o
        expected += e
        variance += v

    used = expected > 0
    df = int(used.sum()) - 1
    if df < 1:
        statistic = 0.0
    else:
        # survdiff drops the first group with E > 0 and inverts the rest of the variance matrix
        diff = (observed - expected)[used][1:]
        v = variance[np.ix_(used, used)][1:, 1:]
        # R's solve() stops on a singular matrix (e.g. every death tied at one time); we give NaN
        if np.linalg.matrix_rank(v, rtol=1e-10) < v.shape[0]:
            statistic = float("nan")
        else:
            statistic = float(diff @ np.linalg.solve(v, diff))
    p_value = float(chi2.sf(statistic, df)) if df >= 1 else float("nan")
    return LogrankResult(
        groups=groups,
        n=np.bincount(codes, minlength=n_groups),
        observed=observed,
        expected=expected,
        variance=variance,
        statistic=statistic,
        df=df,
        p_value=p_value,
        rho=rho,
    )
