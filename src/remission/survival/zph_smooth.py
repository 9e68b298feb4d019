"""The smooth R's ``plot.cox.zph`` draws through a Cox model's scaled Schoenfeld residuals, and its band.

:func:`ph_smooth` fits, by least squares, a natural cubic spline of the residuals on the transformed time
(``ns(c(pred.x, x), df, intercept = TRUE)``, :data:`SMOOTH_DF` degrees of freedom) and evaluates it at
:data:`SMOOTH_POINTS` equally spaced transformed times with a band of ± :data:`BAND_SE` standard errors
(``zph$var[j, j]`` times p' (X'X)^-1 p), as ``plot.cox.zph(se = TRUE)`` does. The residuals and the
variance come from :func:`remission.survival.proportional_hazards_test`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from remission.survival.splines import rcs_basis

# plot.cox.zph's defaults: a natural spline with df = 4, drawn at nsmo = 40 points, ±2 SE
SMOOTH_DF = 4
SMOOTH_POINTS = 40
BAND_SE = 2.0


@dataclass(frozen=True)
class Smooth:
    """The smooth of one residual plot: ``fit`` at ``x`` with its ±2 SE band (``lower``, ``upper``)."""

    x: NDArray[np.float64]
    fit: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]


def _natural_spline_basis(x: NDArray[np.float64], knots: NDArray[np.float64]) -> NDArray[np.float64]:
    """1 and :func:`remission.survival.splines.rcs_basis`: with the intercept it spans the space R's
    ``ns(x, knots, intercept = TRUE)`` spans, so fits and their variances agree."""
    return np.column_stack([np.ones_like(x), rcs_basis(x, knots)])


def ph_smooth(
    transformed_time: ArrayLike,
    residual: ArrayLike,
    variance: float,
    *,
    df: int = SMOOTH_DF,
    points: int = SMOOTH_POINTS,
) -> Smooth | None:
    """The smooth R's ``plot.cox.zph`` draws through scaled Schoenfeld residuals (``se = TRUE``).

    A least-squares natural cubic spline with ``df`` degrees of freedom (interior knots at the k/(df-1)
    quantiles, k = 1..df-2, of the plotting grid and the transformed times together, boundary knots at
    their range, as
    ``ns(c(pred.x, x), df, intercept = TRUE)``), evaluated at ``points`` equally spaced transformed times;
    the band is ± 2 sqrt(``variance`` p' (X'X)^-1 p), ``variance`` being ``zph$var[j, j]``. Missing
    residuals are left out. None when the spline cannot be fitted (fewer distinct times than ``df``),
    where R skips the smooth with a warning.
    """
    x = np.asarray(transformed_time, dtype=np.float64)
    y = np.asarray(residual, dtype=np.float64)
    grid = np.linspace(x.min(), x.max(), points)
    both = np.r_[grid, x]
    interior = np.quantile(both, np.arange(1, df - 1) / (df - 1))
    low, high = float(both.min()), float(both.max())
    if not high > low:
        return None
    knots = (np.r_[low, interior, high] - low) / (high - low)  # on [0, 1]: the same space, better scaled
    keep = np.isfinite(y)
    design = _natural_spline_basis((x[keep] - low) / (high - low), knots)
    predict = _natural_spline_basis((grid - low) / (high - low), knots)
    q, r = np.linalg.qr(design)
    if np.linalg.matrix_rank(r) < df:
        return None
    coef = np.linalg.solve(r, q.T @ y[keep])
    fit = predict @ coef
    spread = predict @ np.linalg.inv(r)  # p' R^-1: its squared row sums are p' (X'X)^-1 p
    band = BAND_SE * np.sqrt(variance * np.sum(spread**2, axis=1))
    return Smooth(x=grid, fit=fit, lower=fit - band, upper=fit + band)
