"""Kaplan-Meier and Nelson-Aalen estimators, matching R ``survival::survfit`` (survival 3.5).

References
----------
Kaplan EL, Meier P (1958). Nonparametric estimation from incomplete observations. JASA 53:457-481.
Klein JP, Moeschberger ML (2003). Survival Analysis, 2nd ed. Springer. Sections 4.2-4.3.
Therneau TM (2024). The survfit function. Vignette of R package ``survival``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from remission.survival._confint import CONF_TYPES, incidence_interval, survival_interval, z_value
from remission.survival._results import CurvePoints, QuantileEstimate, RestrictedMean
from remission.survival._tabulate import risk_table, safe_divide, step_lookup
from remission.survival.validation import (
    check_conf_level,
    check_entry,
    check_event,
    check_option,
    check_tau,
    check_time,
    check_times,
    check_weights,
)

# R survmean / quantile.survfit compare survival with 0.5 up to sqrt(machine epsilon)
_MEDIAN_TOLERANCE = float(np.sqrt(np.finfo(np.float64).eps))


def _first_below_half(values: NDArray[np.float64], time: NDArray[np.float64]) -> float:
    """The time where a decreasing curve first reaches 0.5, by R's ``print.survfit`` rule.

    The first time with value <= 0.5; if the curve sits exactly at 0.5 there (within tolerance), the
    midpoint between that time and the next time it drops (R ``survmean``'s ``minmin``).
    """
    keep = ~np.isnan(values) & (values < 0.5 + _MEDIAN_TOLERANCE)
    if not keep.any():
        return float("nan")
    x = time[keep]
    y = values[keep]
    if abs(y[0] - 0.5) < _MEDIAN_TOLERANCE:
        lower = np.flatnonzero(y < y[0])
        if lower.size:
            return float((x[0] + x[lower[0]]) / 2.0)
    return float(x[0])


def restricted_mean(
    time: NDArray[np.float64],
    survival: NDArray[np.float64],
    n_risk: NDArray[np.float64],
    n_event: NDArray[np.float64],
    tau: float,
    conf_level: float,
) -> RestrictedMean:
    """Area under a Kaplan-Meier curve on [0, tau] and its SE, as R ``print(survfit, rmean=tau)``.

    Klein & Moeschberger (2003) Eq. 4.5.1 (mean) and 4.5.2 (variance):
    ``Var = sum_{t_j <= tau} A_j**2 * d_j / (n_j (n_j - d_j))`` with ``A_j`` the area from ``t_j`` to tau.
    As R, a term with ``n_j == d_j`` counts 0 (R ``survmean``), and tau may lie beyond the last time.
    """
    keep = time <= tau
    grid = np.concatenate([time[keep], [tau]])
    heights = np.concatenate([[1.0], survival[keep]])
    rectangles = np.diff(np.concatenate([[0.0], grid])) * heights
    estimate = float(rectangles.sum())
    # area after each kept time t_j up to tau: the rectangles to its right
    area_after = np.cumsum(rectangles[::-1])[::-1][1:]
    d = n_event[keep]
    n = n_risk[keep]
    hazard_term = safe_divide(d, n * (n - d))
    std_err = float(np.sqrt(np.sum(area_after**2 * hazard_term)))
    z = z_value(conf_level)
    return RestrictedMean(
        tau=float(tau),
        estimate=estimate,
        std_err=std_err,
        lower=estimate - z * std_err,
        upper=estimate + z * std_err,
        conf_level=conf_level,
    )


@dataclass(frozen=True)
class KaplanMeierResult:
    """A Kaplan-Meier curve at every distinct exit time (censorings included, as R ``survfit``).

    Attributes
    ----------
    time, n_risk, n_event, n_censor : ndarray, shape (m,)
        Distinct times and the (weighted) number at risk, with an event and censored there.
    survival : ndarray, shape (m,)
        S(t), right-continuous.
    std_err : ndarray, shape (m,)
        Standard error of S(t) itself (what R ``summary.survfit`` prints): ``S * std_err_log``.
    std_err_log : ndarray, shape (m,)
        Standard error of log S(t), i.e. of the cumulative hazard, by Greenwood's formula; this is
        the ``$std.err`` component of an R ``survfit`` object. ``inf`` once S reaches 0.
    lower, upper : ndarray, shape (m,)
        Pointwise limits (``conf_type``, ``conf_level``); NaN where R gives NA.
    """

    time: NDArray[np.float64]
    n_risk: NDArray[np.float64]
    n_event: NDArray[np.float64]
    n_censor: NDArray[np.float64]
    survival: NDArray[np.float64]
    std_err: NDArray[np.float64]
    std_err_log: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    conf_level: float
    conf_type: str

    def at(self, times: ArrayLike) -> CurvePoints:
        """The curve at ``times`` (right-continuous; 1 before the first time, last value after the last)."""
        query = check_times(times)
        idx = step_lookup(self.time, query)
        before = idx < 0
        safe = np.where(before, 0, idx)

        def pick(values: NDArray[np.float64], start: float) -> NDArray[np.float64]:
            return np.where(before, start, values[safe]) if values.size else np.full(query.shape, start)

        return CurvePoints(
            time=query,
            estimate=pick(self.survival, 1.0),
            std_err=pick(self.std_err, 0.0),
            lower=pick(self.lower, 1.0 if self.conf_type != "log-log" else np.nan),
            upper=pick(self.upper, 1.0 if self.conf_type != "log-log" else np.nan),
        )

    @property
    def median(self) -> QuantileEstimate:
        """Median survival time with limits, by R ``print.survfit``'s rule (the limits are where the
        upper and lower confidence curves reach 0.5). NaN when not reached."""
        return QuantileEstimate(
            probability=0.5,
            estimate=_first_below_half(self.survival, self.time),
            lower=_first_below_half(self.lower, self.time),
            upper=_first_below_half(self.upper, self.time),
        )

    def rmst(self, tau: float) -> RestrictedMean:
        """Restricted mean survival time on [0, tau], as R ``print(fit, rmean=tau)``."""
        return restricted_mean(
            self.time, self.survival, self.n_risk, self.n_event, check_tau(tau), self.conf_level
        )

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "time": self.time,
                "n_risk": self.n_risk,
                "n_event": self.n_event,
                "n_censor": self.n_censor,
                "survival": self.survival,
                "std_err": self.std_err,
                "lower": self.lower,
                "upper": self.upper,
            }
        )


def kaplan_meier(
    time: ArrayLike,
    event: ArrayLike,
    *,
    entry: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    conf_level: float = 0.95,
    conf_type: str = "log-log",
) -> KaplanMeierResult:
    """Kaplan-Meier estimate of the survival function with Greenwood standard errors.

    Parameters
    ----------
    time : array_like, shape (n,)
        Exit times (event or censoring), finite and non-negative.
    event : array_like, shape (n,)
        1 = event, 0 = censored.
    entry : array_like, shape (n,), optional
        Left-truncation (delayed entry) times, ``entry < time``; a row is at risk on ``(entry, time]``,
        as R ``Surv(entry, time, event)``.
    weights : array_like, shape (n,), optional
        Case weights; counts become weighted sums.
    conf_level : float
        Coverage of the pointwise interval.
    conf_type : {"log-log", "log", "plain"}
        Transform for the interval. R ``survfit``'s default is "log"; ours is "log-log", whose limits
        stay inside [0, 1] (Klein & Moeschberger Eq. 4.3.2).

    Returns
    -------
    KaplanMeierResult

    Notes
    -----
    ``S(t) = prod_{t_j <= t} (1 - d_j / n_j)`` (Klein & Moeschberger Eq. 4.2.1), with Greenwood's
    variance of log S, ``sum d_j / (n_j (n_j - d_j))`` (Eq. 4.2.2 divided by S**2). With non-integer
    weights R survival >= 3.0 reports an infinitesimal-jackknife (robust) SE by default; ours is the
    weighted Greenwood SE, which is R's ``survfit(..., robust = FALSE)``. With integer weights the two
    defaults agree.
    """
    time_a = check_time(time)
    n = time_a.shape[0]
    event_a = check_event(event, n)
    entry_a = check_entry(entry, time_a)
    weights_a = check_weights(weights, n)
    conf_level = check_conf_level(conf_level)
    conf_type = check_option(conf_type, CONF_TYPES, "conf_type")

    table = risk_table(time_a, event_a, 1, entry=entry_a, weights=weights_a)
    d = table.n_event[:, 0]
    n_risk = table.n_risk
    # Kaplan-Meier product-limit: S(t) = prod (1 - d_j/n_j)
    survival = np.cumprod(1.0 - safe_divide(d, n_risk))
    # Greenwood's formula on the log scale: sum d/(n(n-d)); R gives Inf once n == d
    with np.errstate(divide="ignore", invalid="ignore"):
        greenwood = np.where(d > 0, d / (n_risk * (n_risk - d)), 0.0)
    greenwood = np.where((d > 0) & (n_risk == d), np.inf, greenwood)
    std_err_log = np.sqrt(np.cumsum(greenwood))
    with np.errstate(invalid="ignore"):
        std_err = survival * std_err_log  # R summary.survfit: 0 * Inf gives NaN once S = 0
    lower, upper = survival_interval(survival, std_err_log, conf_level, conf_type)
    return KaplanMeierResult(
        time=table.time,
        n_risk=n_risk,
        n_event=d,
        n_censor=table.n_censor,
        survival=survival,
        std_err=std_err,
        std_err_log=std_err_log,
        lower=lower,
        upper=upper,
        conf_level=conf_level,
        conf_type=conf_type,
    )


@dataclass(frozen=True)
class NelsonAalenResult:
    """Nelson-Aalen cumulative hazard at every distinct exit time.

    ``std_err`` is R ``survfit(..., ctype = 1)$std.chaz``: ``sqrt(sum d_j / n_j**2)``. The interval is
    ``H * exp(±z * se / H)`` (log transform), NaN where H = 0.
    """

    time: NDArray[np.float64]
    n_risk: NDArray[np.float64]
    n_event: NDArray[np.float64]
    n_censor: NDArray[np.float64]
    cumulative_hazard: NDArray[np.float64]
    std_err: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    conf_level: float

    def at(self, times: ArrayLike) -> CurvePoints:
        """The cumulative hazard at ``times`` (right-continuous; 0 before the first time)."""
        query = check_times(times)
        idx = step_lookup(self.time, query)
        before = idx < 0
        safe = np.where(before, 0, idx)
        return CurvePoints(
            time=query,
            estimate=np.where(before, 0.0, self.cumulative_hazard[safe]),
            std_err=np.where(before, 0.0, self.std_err[safe]),
            lower=np.where(before, np.nan, self.lower[safe]),
            upper=np.where(before, np.nan, self.upper[safe]),
        )

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "time": self.time,
                "n_risk": self.n_risk,
                "n_event": self.n_event,
                "n_censor": self.n_censor,
                "cumulative_hazard": self.cumulative_hazard,
                "std_err": self.std_err,
                "lower": self.lower,
                "upper": self.upper,
            }
        )


def nelson_aalen(
    time: ArrayLike,
    event: ArrayLike,
    *,
    entry: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    conf_level: float = 0.95,
) -> NelsonAalenResult:
    """Nelson-Aalen estimate of the cumulative hazard, as R ``survfit(..., ctype = 1)``.

    ``H(t) = sum_{t_j <= t} d_j / n_j`` (Klein & Moeschberger Eq. 4.2.3) with variance
    ``sum d_j / n_j**2`` (Eq. 4.2.4), the Poisson-type variance R reports as ``std.chaz``. Tied events
    are not split (R ``ctype = 2`` would). Weighted counts as for :func:`kaplan_meier`; with non-integer
    weights this matches R's ``robust = FALSE``.
    """
    time_a = check_time(time)
    n = time_a.shape[0]
    event_a = check_event(event, n)
    entry_a = check_entry(entry, time_a)
    weights_a = check_weights(weights, n)
    conf_level = check_conf_level(conf_level)

    table = risk_table(time_a, event_a, 1, entry=entry_a, weights=weights_a)
    d = table.n_event[:, 0]
    # Nelson-Aalen increments d/n and their Poisson variance d/n^2
    cumulative_hazard = np.cumsum(safe_divide(d, table.n_risk))
    std_err = np.sqrt(np.cumsum(safe_divide(d, table.n_risk**2)))
    lower, upper = incidence_interval(cumulative_hazard, std_err, conf_level, "log", probability=False)
    return NelsonAalenResult(
        time=table.time,
        n_risk=table.n_risk,
        n_event=d,
        n_censor=table.n_censor,
        cumulative_hazard=cumulative_hazard,
        std_err=std_err,
        lower=lower,
        upper=upper,
        conf_level=conf_level,
    )
