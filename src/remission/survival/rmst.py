"""Restricted mean survival time and jackknife pseudo-observations.

References
----------
Royston P, Parmar MKB (2013). Restricted mean survival time: an alternative to the hazard ratio for the
design and analysis of randomized trials with a time-to-event outcome. BMC Med Res Methodol 13:152.
Klein JP, Moeschberger ML (2003). Survival Analysis, 2nd ed., Eqs. 4.5.1-4.5.2.
Andersen PK, Perme MP (2010). Pseudo-observations in survival analysis. Stat Methods Med Res 19:71-99,
Eq. 2 (the jackknife pseudo-value ``n θ̂ - (n - 1) θ̂_{-i}``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.stats import norm

from remission.survival._confint import z_value
from remission.survival._tabulate import risk_table, safe_divide, step_lookup
from remission.survival.kaplan_meier import kaplan_meier, restricted_mean
from remission.survival.validation import (
    UNKNOWN_CAUSE,
    SurvivalInputError,
    check_cause,
    check_conf_level,
    check_event,
    check_labels,
    check_tau,
    check_time,
    check_times,
)


@dataclass(frozen=True)
class RmstResult:
    """Restricted mean survival time per group (one row when no groups were given).

    With two groups, ``difference`` is group 2 minus group 1 (sorted labels), with the SE
    ``sqrt(se1**2 + se2**2)`` of independent samples, a Wald interval and a two-sided p-value.
    """

    tau: float
    groups: NDArray
    estimate: NDArray[np.float64]
    std_err: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    conf_level: float
    difference: float | None = None
    difference_std_err: float | None = None
    difference_lower: float | None = None
    difference_upper: float | None = None
    difference_p_value: float | None = None

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "group": self.groups,
                "tau": self.tau,
                "estimate": self.estimate,
                "std_err": self.std_err,
                "lower": self.lower,
                "upper": self.upper,
            }
        )


def rmst(
    time: ArrayLike,
    event: ArrayLike,
    tau: float,
    *,
    group: ArrayLike | None = None,
    conf_level: float = 0.95,
) -> RmstResult:
    """Restricted mean survival time up to ``tau``: the area under the Kaplan-Meier curve on [0, tau].

    The estimate and SE are R ``print(survfit(Surv(time, event) ~ group), rmean = tau)`` (``rmean``
    and ``se(rmean)``; Klein & Moeschberger Eqs. 4.5.1-4.5.2). If tau lies beyond the last time the
    curve is extended flat, as R does.
    """
    time_a = check_time(time)
    n = time_a.shape[0]
    event_a = check_event(event, n)
    tau = check_tau(tau)
    conf_level = check_conf_level(conf_level)
    if group is None:
        labels = np.array(["all"])
        codes = np.zeros(n, dtype=np.int64)
    else:
        labels, codes = check_labels(group, n, "group")
    rows = []
    for g in range(labels.shape[0]):
        mask = codes == g
        fit = kaplan_meier(time_a[mask], event_a[mask], conf_level=conf_level)
        rows.append(restricted_mean(fit.time, fit.survival, fit.n_risk, fit.n_event, tau, conf_level))
    estimate = np.array([r.estimate for r in rows])
    std_err = np.array([r.std_err for r in rows])
    extra: dict[str, float] = {}
    if labels.shape[0] == 2:
        diff = float(estimate[1] - estimate[0])
        se = float(np.hypot(std_err[0], std_err[1]))
        z = z_value(conf_level)
        extra = {
            "difference": diff,
            "difference_std_err": se,
            "difference_lower": diff - z * se,
            "difference_upper": diff + z * se,
            "difference_p_value": float(2.0 * norm.sf(abs(diff) / se)) if se > 0 else float("nan"),
        }
    return RmstResult(
        tau=tau,
        groups=labels,
        estimate=estimate,
        std_err=std_err,
        lower=np.array([r.lower for r in rows]),
        upper=np.array([r.upper for r in rows]),
        conf_level=conf_level,
        **extra,
    )


@dataclass(frozen=True)
class PseudoValues:
    """Jackknife pseudo-observations: ``values[i, m]`` for row ``i`` at ``times[m]``.

    ``cause`` is None for the survival function, else the cause whose cumulative incidence is used.
    """

    times: NDArray[np.float64]
    values: NDArray[np.float64]
    cause: int | None

    def to_frame(self) -> pd.DataFrame:
        """Long format: one row per (observation, time)."""
        n, m = self.values.shape
        return pd.DataFrame(
            {
                "row": np.repeat(np.arange(n), m),
                "time": np.tile(self.times, n),
                "pseudo_value": self.values.reshape(-1),
            }
        )


def pseudo_values(
    time: ArrayLike,
    event_or_cause: ArrayLike,
    times: ArrayLike,
    *,
    cause: int | None = None,
) -> PseudoValues:
    """Leave-one-out (jackknife) pseudo-values of S(t) or of the cumulative incidence F_cause(t).

    Parameters
    ----------
    time : array_like, shape (n,)
    event_or_cause : array_like, shape (n,)
        0 = censored; with ``cause=None`` any positive value is an event (survival of any event),
        otherwise the codes of the competing causes.
    times : array_like, shape (m,)
        Time points at which the pseudo-values are wanted.
    cause : int, optional
        The cause whose cumulative incidence (Aalen-Johansen) is used; None for Kaplan-Meier survival.

    Returns
    -------
    PseudoValues
        ``n θ̂(t) - (n - 1) θ̂_{-i}(t)`` (Andersen & Perme 2010, Eq. 2), exactly the jackknife of a
        refit without row i (the estimate being carried flat beyond the last time), as R's
        ``pseudo::pseudosurv`` / ``pseudo::pseudoci`` compute by refitting.

    Notes
    -----
    No refits: removing row i only changes the risk sets up to its own time ``t_i``, so the
    leave-one-out estimate is a product/sum of prefix terms with ``n_j - 1`` at risk before ``t_i``, one
    corrected factor at ``t_i`` and the full-data terms after it. With prefix products and sums over the
    distinct times this is O(n log n) to sort plus O(n·m) time and memory for the n × m answer.
    """
    time_a = check_time(time)
    n = time_a.shape[0]
    status = check_cause(event_or_cause, n, name="event_or_cause")
    grid = check_times(times)
    if cause is None:
        status = (status > 0).astype(np.int64)
        target = 1
    else:
        target = int(cause)
        if not np.any(status == target):
            present = np.unique(status[status > 0]).tolist()
            raise SurvivalInputError(UNKNOWN_CAUSE.format(value=cause, present=present))
        status = np.where(status == target, 1, np.where(status > 0, 2, 0))
    table = risk_table(time_a, status, 2)
    n_risk = table.n_risk
    d_all = table.n_event_total
    d_target = table.n_event[:, 0]
    a = table.index  # each row's distinct-time position
    # full-data Kaplan-Meier of any event (right limit) and the cumulative incidence of the target
    surv = np.cumprod(1.0 - safe_divide(d_all, n_risk))
    surv_minus = np.concatenate([[1.0], surv[:-1]])
    full_inc = np.cumsum(surv_minus * safe_divide(d_target, n_risk))
    # survival of the others when one row still at risk is removed: factors 1 - d/(n - 1), prefix products
    loo_factor = 1.0 - safe_divide(d_all, n_risk - 1.0)
    loo_prefix = np.concatenate([[1.0], np.cumprod(loo_factor)])  # loo_prefix[j] = prod_{l<j}
    loo_inc_prefix = np.concatenate([[0.0], np.cumsum(loo_prefix[:-1] * safe_divide(d_target, n_risk - 1.0))])

    event_row = (status > 0).astype(np.float64)
    target_row = (status == 1).astype(np.float64)
    n_a = n_risk[a]
    # the factor at the row's own time, with its own event removed
    own_factor = np.where(n_a > 1, 1.0 - safe_divide(d_all[a] - event_row, n_a - 1.0), 1.0)
    own_inc = np.where(n_a > 1, safe_divide(d_target[a] - target_row, n_a - 1.0), 0.0)
    s_at_a = surv[a]
    before_a = loo_prefix[a]

    b_all = step_lookup(table.time, grid)
    values = np.empty((n, grid.shape[0]))
    for m, b in enumerate(b_all):
        later = a > b  # row i is still at risk at every time up to tau
        if cause is None:
            full = 1.0 if b < 0 else surv[b]
            # after t_i the remaining factors are the full-data ones: S(t_b) / S(t_a)
            tail = safe_divide(np.full(n, full), s_at_a) if b >= 0 else np.ones(n)
            tail = np.where(a == b, 1.0, tail)
            loo = np.where(later, loo_prefix[b + 1], before_a * own_factor * tail)
        else:
            full = 0.0 if b < 0 else full_inc[b]
            # F_{-i} = prefix with n-1 at risk + own time + full-data increments after t_i scaled
            after = safe_divide(full - full_inc[a], s_at_a) if b >= 0 else np.zeros(n)
            after = np.where(a >= b, 0.0, after)
            loo_early = loo_inc_prefix[a] + before_a * own_inc + before_a * own_factor * after
            loo = np.where(later, loo_inc_prefix[b + 1], loo_early)
        values[:, m] = n * full - (n - 1) * loo
    return PseudoValues(times=grid, values=values, cause=cause)
