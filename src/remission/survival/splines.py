"""The natural (restricted) cubic spline basis, shared by every model that bends a continuous covariate.

``rcs_basis(x, knots)`` is Harrell's restricted cubic spline basis with ``x`` itself first (R
``Hmisc::rcspline.eval(x, knots, inclx = TRUE)``, ``norm = 2``): for K knots, ``x`` and K - 2 terms

    ((x - t_j)+^3 - (x - t_{K-1})+^3 (t_K - t_j)/(t_K - t_{K-1})
                  + (x - t_K)+^3 (t_{K-1} - t_j)/(t_K - t_{K-1})) / (t_K - t_1)^2,      j = 1, ..., K - 2.

Each term is linear beyond the boundary knots, so with an intercept the columns span the natural cubic
splines with these knots: the space of R's ``splines::ns(x, knots = interior, Boundary.knots = (t_1,
t_K))``. Fitted values (and their variances) therefore equal those of a model on R's ``ns()`` basis; the
coefficients do not.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray


def rcs_basis(x: ArrayLike, knots: Sequence[float] | NDArray[np.float64]) -> NDArray[np.float64]:
    """The basis of the module notes: shape (n, K - 1) for K knots, ``x`` first."""
    x = np.atleast_1d(np.asarray(x, dtype=np.float64))
    t = np.asarray(knots, dtype=np.float64)
    k = t.shape[0]
    out = np.empty((x.shape[0], max(k - 1, 1)))
    out[:, 0] = x
    if k > 2:
        scale = (t[-1] - t[0]) ** 2
        last, before = t[-1], t[-2]
        for j in range(k - 2):
            out[:, j + 1] = (
                np.maximum(x - t[j], 0.0) ** 3
                - np.maximum(x - before, 0.0) ** 3 * (last - t[j]) / (last - before)
                + np.maximum(x - last, 0.0) ** 3 * (before - t[j]) / (last - before)
            ) / scale
    return out
