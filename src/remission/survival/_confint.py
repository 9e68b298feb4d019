"""Pointwise confidence intervals for survival curves and cumulative incidences.

The transforms follow R ``survival:::survfit_confint`` (survival 3.5): the standard error is taken on
the log scale, the interval is built on the transformed scale and mapped back, and points where the
transform is undefined (log of 0, log-log of 0 or 1) get ``NaN``, as R gives ``NA``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm

CONF_TYPES: tuple[str, ...] = ("plain", "log", "log-log")


def z_value(conf_level: float) -> float:
    return float(norm.ppf(1.0 - (1.0 - conf_level) / 2.0))


def survival_interval(
    surv: NDArray[np.float64], se_log: NDArray[np.float64], conf_level: float, conf_type: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Interval for a survival probability ``surv`` given the SE of ``log(surv)``.

    Klein & Moeschberger (2003), Eqs. 4.3.1 (plain), 4.3.2 (log-log); "log" is R's default.
    """
    z = z_value(conf_level)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "plain":
            # Klein & Moeschberger Eq. 4.3.1: S ± z·SE(S), SE(S) = S·SE(log S); R clips to [0, 1]
            half = z * se_log * surv
            return np.maximum(surv - half, 0.0), np.minimum(surv + half, 1.0)
        if conf_type == "log":
            # exp(log S ± z·SE(log S)); upper clipped at 1 as R does
            valid = np.where(surv > 0, surv, np.nan)
            half = z * se_log
            return np.exp(np.log(valid) - half), np.minimum(np.exp(np.log(valid) + half), 1.0)
        # log-log, Klein & Moeschberger Eq. 4.3.2: exp(-exp(log(-log S) ± z·SE(log S)/log S));
        # NaN at S in {0, 1} as R
        valid = np.where((surv > 0) & (surv < 1), surv, np.nan)
        log_s = np.log(valid)
        half = z * se_log / log_s
        lower = np.exp(-np.exp(np.log(-log_s) - half))
        upper = np.exp(-np.exp(np.log(-log_s) + half))
        return lower, upper


def incidence_interval(
    estimate: NDArray[np.float64],
    se: NDArray[np.float64],
    conf_level: float,
    conf_type: str,
    *,
    probability: bool = True,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Interval for a cumulative incidence (or a cumulative hazard) ``estimate`` with standard error ``se``.

    "log-log" is the transform used by ``tidycmprsk`` / ``cmprsk``-based tables:
    ``F ** exp(±z·se / (F·log F))`` (Choudhury 2002, Eq. 4); "log" is ``F·exp(±z·se/F)``; "plain" is
    ``F ± z·se`` clipped to [0, 1] (to [0, inf) when ``probability`` is false, for a cumulative hazard).
    cmprsk itself reports no interval.
    """
    z = z_value(conf_level)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "plain":
            upper = estimate + z * se
            return np.maximum(estimate - z * se, 0.0), np.minimum(upper, 1.0) if probability else upper
        if conf_type == "log":
            valid = np.where(estimate > 0, estimate, np.nan)
            factor = np.exp(z * se / valid)
            return valid / factor, valid * factor
        valid = np.where((estimate > 0) & (estimate < 1), estimate, np.nan)
        log_f = np.log(valid)
        scale = np.exp(z * se / (valid * log_f))
        # F**exp(-z·s) with s = se/(F log F) < 0 is the lower limit, F**exp(z·s) the upper one
        return np.exp(log_f / scale), np.exp(log_f * scale)
