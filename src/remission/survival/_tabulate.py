"""Risk-set tabulation shared by the nonparametric estimators.

Everything here works on the distinct observed times: one ``np.unique`` (a sort, O(n log n)) and a few
``np.bincount`` calls, so memory is O(n) and no Python loop runs over rows or times.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class RiskTable:
    """Counts at each distinct exit time, sorted increasingly.

    ``n_event[:, k]`` counts events of status code ``k + 1`` (status 0 = censored); ``n_risk`` is the
    (weighted) number at risk just before each time, counting those censored at it (R's convention:
    events happen before censorings at a tied time). ``index`` maps every row to its time.
    """

    time: NDArray[np.float64]
    n_risk: NDArray[np.float64]
    n_event: NDArray[np.float64]
    n_censor: NDArray[np.float64]
    index: NDArray[np.int64]

    @property
    def n_event_total(self) -> NDArray[np.float64]:
        return self.n_event.sum(axis=1)


def risk_table(
    time: NDArray[np.float64],
    status: NDArray[np.int64],
    n_status: int,
    *,
    entry: NDArray[np.float64] | None = None,
    weights: NDArray[np.float64] | None = None,
) -> RiskTable:
    """Tabulate events by status code ``1..n_status`` and the risk set at every distinct exit time.

    With ``entry`` (left truncation), a row is at risk at ``t`` when ``entry < t <= time``, as in R's
    ``Surv(entry, time, status)``.
    """
    unique_time, index = np.unique(time, return_inverse=True)
    index = index.reshape(-1).astype(np.int64)
    n_times = unique_time.shape[0]
    width = n_status + 1
    counts = np.bincount(index * width + status, weights=weights, minlength=n_times * width)
    counts = counts.reshape(n_times, width).astype(np.float64)
    leaving = counts.sum(axis=1)
    # number still under observation at t_j: those whose exit is at or after t_j
    n_risk = np.cumsum(leaving[::-1])[::-1]
    if entry is not None:
        # minus those who have not entered yet (entry >= t_j): Surv(entry, time) risk sets
        order = np.argsort(entry, kind="stable")
        sorted_entry = entry[order]
        w_sorted = np.ones_like(sorted_entry) if weights is None else weights[order]
        tail = np.concatenate([np.cumsum(w_sorted[::-1])[::-1], [0.0]])
        first_not_entered = np.searchsorted(sorted_entry, unique_time, side="left")
        n_risk = n_risk - tail[first_not_entered]
    return RiskTable(
        time=unique_time,
        n_risk=n_risk,
        n_event=counts[:, 1:],
        n_censor=counts[:, 0],
        index=index,
    )


def safe_divide(numerator: NDArray[np.float64], denominator: NDArray[np.float64]) -> NDArray[np.float64]:
    """``numerator / denominator`` with 0 where the denominator is 0 (an empty risk set adds nothing)."""
    out = np.zeros(np.broadcast(numerator, denominator).shape, dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def forward_fill_index(mask: NDArray[np.bool_]) -> NDArray[np.int64]:
    """For each position, the last position at or before it where ``mask`` holds (−1 if none)."""
    positions = np.where(mask, np.arange(mask.shape[0]), -1)
    return np.maximum.accumulate(positions) if positions.size else positions


def step_lookup(grid: NDArray[np.float64], times: NDArray[np.float64]) -> NDArray[np.int64]:
    """Index of the last grid time ``<= t`` for each ``t`` (−1 before the first): a right-continuous step."""
    return np.searchsorted(grid, times, side="right") - 1
