"""Products of a sequence of small transition matrices, without a loop over the sequence.

The Aalen-Johansen estimate and its influence quantities all follow recurrences of the form

    x_{e+1} = apply(x_e, M_e, c_e)          (e = 0, ..., T-1, one step per event time)

with ``M_e`` an S × S matrix and ``c_e`` an additive term: ``x M + c`` for row vectors, ``M' x M + c`` for
a second-moment matrix. :class:`BlockTree` holds, for every level ``L``, the products of ``M`` over the
aligned blocks ``[b 2^L, (b+1) 2^L)`` (built pairwise, ~2T matrices in all). With it

* :func:`prefix_scan` gives ``x_e`` at every ``e`` in O(T) work: block aggregates of ``c`` going up, the
  starting value of every block coming down (Blelloch's up-sweep / down-sweep);
* :meth:`BlockTree.propagate` carries many vectors, each over its own range ``[lo, hi)``, through the
  O(log T) aligned blocks covering that range.

Each level is one vectorised NumPy operation, so the Python loops run over ``log2 T`` levels only.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

Apply = Callable[[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]], NDArray[np.float64]]


def apply_row(x: NDArray[np.float64], m: NDArray[np.float64], c: NDArray[np.float64]) -> NDArray[np.float64]:
    """Row vectors (…, K, S) times M (…, S, S), plus c."""
    return np.matmul(x, m) + c


def apply_congruence(
    x: NDArray[np.float64], m: NDArray[np.float64], c: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``M' x M + c`` for (…, S, S) second-moment matrices."""
    return np.matmul(np.swapaxes(m, -1, -2), np.matmul(x, m)) + c


def build_levels(m: NDArray[np.float64]) -> list[NDArray[np.float64]]:
    """Products of ``m`` (T, S, S) over the full aligned blocks of every level (level 0 is ``m``)."""
    levels = [m]
    while levels[-1].shape[0] >= 2:
        below = levels[-1]
        full = below.shape[0] // 2
        levels.append(np.matmul(below[0 : 2 * full : 2], below[1 : 2 * full : 2]))
    return levels


def up_sweep(
    levels: list[NDArray[np.float64]], c: NDArray[np.float64], apply: Apply
) -> list[NDArray[np.float64]]:
    """Aggregates of the additive terms over the same blocks: what a block adds to a zero start."""
    sums = [c]
    for level in range(1, len(levels)):
        full = levels[level].shape[0]
        below = sums[-1]
        sums.append(
            apply(below[0 : 2 * full : 2], levels[level - 1][1 : 2 * full : 2], below[1 : 2 * full : 2])
        )
    return sums


def prefix_scan(
    levels: list[NDArray[np.float64]], c: NDArray[np.float64], x0: NDArray[np.float64], apply: Apply
) -> NDArray[np.float64]:
    """All ``x_e`` (e = 0..T) of ``x_{e+1} = apply(x_e, M_e, c_e)``; shape ``(T + 1, *x0.shape)``."""
    n_steps = c.shape[0]
    out = np.empty((n_steps + 1, *x0.shape))
    out[0] = x0
    if n_steps == 0:
        return out
    sums = up_sweep(levels, c, apply)
    # starts[L][b] = value at the start of block b of level L (the last block may be partial)
    starts = x0[None].copy()
    for level in range(len(levels) - 1, -1, -1):
        count = -(-n_steps // (1 << level))
        below = np.empty((count, *x0.shape))
        below[0::2] = starts[: (count + 1) // 2]
        pairs = count // 2
        below[1::2] = apply(
            below[0 : 2 * pairs : 2], levels[level][0 : 2 * pairs : 2], sums[level][0 : 2 * pairs : 2]
        )
        starts = below
    out[:n_steps] = starts
    out[n_steps] = apply(starts[-1], levels[0][-1], c[-1])
    return out


class BlockTree:
    """Block products of ``M`` and, for a row vector that also gains ``w · g_j(e)`` at every step, the
    block aggregates of ``g_j`` (``j`` indexes a family of additive terms, here the current state)."""

    def __init__(self, levels: list[NDArray[np.float64]], g: NDArray[np.float64]) -> None:
        """``levels`` from :func:`build_levels`; ``g`` of shape (T, families, S)."""
        self.levels = levels
        self.g_levels = up_sweep(levels, g, apply_row)

    def propagate(
        self,
        x: NDArray[np.float64],
        weight: NDArray[np.float64],
        family: NDArray[np.int64],
        lo: NDArray[np.int64],
        hi: NDArray[np.int64],
    ) -> NDArray[np.float64]:
        """``x_r`` carried through steps ``lo_r .. hi_r - 1``: ``x ← x M_e + weight_r g_{family_r}(e)``.

        The range is covered greedily by aligned blocks: ascending levels while ``lo`` is unaligned,
        then descending ones, at most two blocks per level.
        """
        x = x.copy()
        pos = lo.copy()
        n_levels = len(self.levels)

        def step(level: int, take: NDArray[np.bool_]) -> None:
            rows = np.flatnonzero(take)
            if rows.size == 0:
                return
            block = pos[rows] >> level
            x[rows] = np.einsum("ri,rij->rj", x[rows], self.levels[level][block]) + (
                weight[rows, None] * self.g_levels[level][block, family[rows]]
            )
            pos[rows] += 1 << level

        for level in range(n_levels):
            step(level, (((pos >> level) & 1) == 1) & (pos + (1 << level) <= hi))
        for level in range(n_levels - 1, -1, -1):
            step(level, pos + (1 << level) <= hi)
        return x
