"""The Aalen-Johansen recursion and its infinitesimal-jackknife variance on counting-process rows.

Notation (one step per distinct transition time ``t_e``, e = 0..T-1): ``n_j`` the weighted number at
risk in state j, ``D_jk`` the weighted j -> k transitions, ``dA = D / n`` row-wise, ``M = I + dA`` with
rows summing to 1, ``p(e+1) = p(e) M_e`` (``p(e)`` = just before step e). Patient (cluster) i's influence
follows R survival's ``survfitaj``::

    U_i(e+1) = U_i(e) M_e + w_r q_j(e) (dN_r(e) (e_k - e_j) - dA_j(e)),      q_j = p_j(e) / n_j(e)

for the row r of patient i at risk in state j at t_e (``dA_j`` the j-th row of ``dA - diag(rowsum)``).
We need ``W(e) = sum_i U_i(e)' U_i(e)`` (its diagonal is the variance), which satisfies

    W(e+1) = M' W(e) M + M' X + X' M + B,   X = sum_i U_i(e)' beta_i,   B = sum_i beta_i' beta_i,

``beta_i`` the increment above. ``B`` needs only counts (sums of w² over risk sets and transitions); ``X``
needs ``Z_j(e) = sum_{rows at risk in j} w_r U_i(e)`` and the same sum over the rows making each
transition. Every row's ``U_i`` at its first step is known from the previous row of the patient (rows are
processed in rounds: all first rows, all second rows, ...), is carried to its last step by block
products (:class:`~remission.survival._multistate_tree.BlockTree`), and ``Z`` is then a prefix scan.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from remission.survival._multistate_tree import (
    BlockTree,
    apply_congruence,
    apply_row,
    build_levels,
    prefix_scan,
)
from remission.survival._tabulate import safe_divide


def _per_step(index: NDArray[np.int64], values: NDArray[np.float64], size: int) -> NDArray[np.float64]:
    return np.bincount(index, weights=values, minlength=size)[:size]


@dataclass(frozen=True)
class Tabulated:
    """Rows (sorted by patient, then start) and the counts at each transition time."""

    cluster: NDArray[np.int64]
    state: NDArray[np.int64]
    to: NDArray[np.int64]
    weight: NDArray[np.float64]
    rank: NDArray[np.int64]  # position of the row among its patient's rows
    lo: NDArray[np.int64]  # first step at which the row is at risk
    hi: NDArray[np.int64]  # one past the last step at which it is at risk
    event_times: NDArray[np.float64]
    n_risk: NDArray[np.float64]  # (T, S)
    n_risk2: NDArray[np.float64]  # (T, S) sum of squared weights at risk
    moves2: NDArray[np.float64]  # (T, S, S) sum of squared weights
    m: NDArray[np.float64]  # (T, S, S)
    t0: float
    p0: NDArray[np.float64]
    u0: NDArray[np.float64]  # (clusters, S) influence on p0
    n_clusters: int

    @staticmethod
    def build(
        cluster: NDArray[np.int64],
        start: NDArray[np.float64],
        stop: NDArray[np.float64],
        state: NDArray[np.int64],
        to: NDArray[np.int64],
        weight: NDArray[np.float64],
        first: NDArray[np.bool_],
        n_states: int,
    ) -> Tabulated:
        n = cluster.shape[0]
        s = n_states
        moved = to >= 0
        event_times = np.unique(stop[moved])
        steps = event_times.shape[0]
        lo = np.searchsorted(event_times, start, side="right").astype(np.int64)
        hi = np.searchsorted(event_times, stop, side="right").astype(np.int64)

        size = (steps + 1) * s

        def risk(values: NDArray[np.float64]) -> NDArray[np.float64]:
            delta = np.bincount(lo * s + state, weights=values, minlength=size) - np.bincount(
                hi * s + state, weights=values, minlength=size
            )
            return np.cumsum(delta.reshape(steps + 1, s), axis=0)[:steps]

        n_risk = risk(weight)
        count = risk(np.ones(n))
        n_risk2 = risk(weight**2)
        cell = (hi[moved] - 1) * s * s + state[moved] * s + to[moved]
        cells = steps * s * s
        moves = _per_step(cell, weight[moved], cells).reshape(steps, s, s)
        move_count = _per_step(cell, np.ones(int(moved.sum())), cells).reshape(steps, s, s)
        moves2 = _per_step(cell, weight[moved] ** 2, cells).reshape(steps, s, s)
        n_risk = np.where(count > 0, n_risk, 0.0)

        d_a = safe_divide(moves, n_risk[:, :, None])
        m = d_a.copy()
        diagonal = 1.0 - d_a.sum(axis=2)
        # a state whose whole risk set moves out is emptied exactly
        diagonal = np.where((count > 0) & (move_count.sum(axis=2) == count), 0.0, diagonal)
        idx = np.arange(s)
        m[:, idx, idx] = diagonal

        # start of the curve and p0 (R survival >= 3.6, survfitAJ)
        rank = np.arange(n) - np.maximum.accumulate(np.where(first, np.arange(n), 0))
        initial = state[first]
        n_clusters = int(cluster.max()) + 1 if n else 0
        u0 = np.zeros((n_clusters, s))
        p0 = np.zeros(s)
        if np.all(initial == initial[0]):
            t0 = float(start.min())
            p0[initial[0]] = 1.0
        else:
            first_start = start[first]
            if np.all(first_start == first_start[0]):
                t0 = float(first_start[0])
                at_risk = (start <= t0) & (stop >= t0)
            else:
                t0 = float(event_times[0]) if steps else float(stop.max())
                at_risk = (start < t0) & (stop >= t0)
            total = weight[at_risk].sum()
            p0 = np.bincount(state[at_risk], weights=weight[at_risk], minlength=s) / total
            contribution = weight[at_risk, None] * (np.eye(s)[state[at_risk]] - p0[None, :]) / total
            np.add.at(u0, cluster[at_risk], contribution)
        return Tabulated(
            cluster=cluster,
            state=state,
            to=to,
            weight=weight,
            rank=rank.astype(np.int64),
            lo=lo,
            hi=hi,
            event_times=event_times,
            n_risk=n_risk,
            n_risk2=n_risk2,
            moves2=moves2,
            m=m,
            t0=t0,
            p0=p0,
            u0=u0,
            n_clusters=n_clusters,
        )


@dataclass(frozen=True)
class Occupation:
    """``p[e]``: probabilities just before step e (``p[0] = p0``, ``p[T]`` after the last step)."""

    p: NDArray[np.float64]  # (T + 1, S)
    levels: list[NDArray[np.float64]]
    gamma: NDArray[np.float64]  # (T, S, S): the risk-set part of the influence increment, per unit weight
    q: NDArray[np.float64]  # (T, S): p_j(e) / n_j(e)


def occupation(table: Tabulated) -> Occupation:
    """The Aalen-Johansen probabilities at every step (a prefix scan of ``p M``)."""
    steps, s = table.n_risk.shape
    levels = build_levels(table.m)
    p = prefix_scan(levels, np.zeros((steps, 1, s)), table.p0[None, :], apply_row)[:, 0, :]
    q = safe_divide(p[:steps], table.n_risk)
    # gamma_j(e) = -q_j (row j of M - I): what staying at risk in j adds to U, per unit weight
    gamma = -q[:, :, None] * (table.m - np.eye(s)[None, :, :])
    return Occupation(p=p, levels=levels, gamma=gamma, q=q)


def influence_variance(table: Tabulated, occ: Occupation) -> NDArray[np.float64]:
    """Infinitesimal-jackknife variance of ``p`` just before every step, shape (T + 1, S)."""
    steps, s = table.n_risk.shape
    w0 = table.u0.T @ table.u0
    if steps == 0:
        return np.diag(w0)[None, :]
    tree = BlockTree(occ.levels, occ.gamma)
    eye = np.eye(s)

    active = np.flatnonzero(table.hi > table.lo)
    rank = table.rank[active]
    u = table.u0.copy()
    x_start = np.empty((active.shape[0], s))  # U at the row's first step
    x_last = np.empty((active.shape[0], s))  # U just before its last step
    x_after = np.empty((active.shape[0], s))  # U after its last step
    for r in range(int(rank.max()) + 1 if active.size else 0):
        sel = np.flatnonzero(rank == r)
        rows = active[sel]
        g = table.cluster[rows]
        j = table.state[rows]
        w = table.weight[rows]
        last = table.hi[rows] - 1
        x0 = u[g]
        x1 = tree.propagate(x0, w, j, table.lo[rows], last)
        x2 = np.einsum("ri,rij->rj", x1, table.m[last]) + w[:, None] * occ.gamma[last, j]
        k = table.to[rows]
        jump = np.where(k >= 0, w * occ.q[last, j], 0.0)
        u_after = x2.copy()
        moved = np.flatnonzero(k >= 0)
        u_after[moved, k[moved]] += jump[moved]
        u_after[moved, j[moved]] -= jump[moved]
        u[g] = u_after
        x_start[sel], x_last[sel], x_after[sel] = x0, x1, u_after
    del tree, u

    # Z_j(e) = sum over rows at risk in j at step e of w U(e): a prefix scan of
    #   Z(e+1) = Z(e) M + N2 gamma + q sum_k D2_jk (e_k - e_j) - (rows leaving after e)
    #            + (rows entering at e+1)
    w_act = table.weight[active]
    j_act = table.state[active]
    lo_act = table.lo[active]
    hi_act = table.hi[active]
    add = np.zeros((steps + 1, s, s))
    flat = add.reshape((steps + 1) * s, s)
    for col in range(s):
        flat[:, col] += np.bincount(
            lo_act * s + j_act, weights=w_act * x_start[:, col], minlength=(steps + 1) * s
        )
        flat[:, col] -= np.bincount(
            hi_act * s + j_act, weights=w_act * x_after[:, col], minlength=(steps + 1) * s
        )
    d2_out = table.moves2.sum(axis=2)  # (T, S)
    # q_j sum_k D2_jk (e_k - e_j): the transitions' own increments, summed with weight w²
    jump_sum = occ.q[:, :, None] * (table.moves2 - d2_out[:, :, None] * eye[None, :, :])
    # rows entering at e+1 are in add[e+1] with a plus sign, rows leaving after step e with a minus sign
    c_z = table.n_risk2[:, :, None] * occ.gamma + jump_sum + add[1:]
    z = prefix_scan(occ.levels, c_z, add[0], apply_row)[:steps]  # (T, S_from, S)

    # X = sum_j q_j [ sum_k Y_jk' (e_k - e_j) ] + sum_j Z_j' gamma_j
    x_cross = np.matmul(np.swapaxes(z, 1, 2), occ.gamma)  # sum_j outer(Z_j, gamma_j)
    del z, c_z, add, flat
    movers = np.flatnonzero(table.to[active] >= 0)
    if movers.size:
        e = hi_act[movers] - 1
        jj = j_act[movers]
        kk = table.to[active][movers]
        coef = w_act[movers] * occ.q[e, jj]
        xy = np.zeros((steps * s, s))  # row-major (e, column t) -> vector over s
        for comp in range(s):
            val = coef * x_last[movers, comp]
            xy[:, comp] += np.bincount(e * s + kk, weights=val, minlength=steps * s)
            xy[:, comp] -= np.bincount(e * s + jj, weights=val, minlength=steps * s)
        # xy[e*s + t, comp] is X[e][comp, t]
        x_cross += np.swapaxes(xy.reshape(steps, s, s), 1, 2)

    # B = sum_j q_j² [sum_k D2_jk (e_k-e_j)'(e_k-e_j)] + (v_j' gamma_j + gamma_j' v_j) + N2_j gamma_j' gamma_j
    q2 = occ.q**2
    moves2 = table.moves2
    b = np.zeros((steps, s, s))
    idx = np.arange(s)
    b[:, idx, idx] += np.einsum("ej,ejk->ek", q2, moves2) + q2 * d2_out
    off = q2[:, :, None] * moves2
    b -= off + np.swapaxes(off, 1, 2)
    # with v_j = jump_sum_j: v' g + g' v + N2 g' g = h' g + g' h for h = v + N2 g / 2
    half = jump_sum + 0.5 * table.n_risk2[:, :, None] * occ.gamma
    vg = np.matmul(np.swapaxes(half, 1, 2), occ.gamma)
    b += vg + np.swapaxes(vg, 1, 2)
    del half, vg, jump_sum

    m = table.m
    mx = np.matmul(np.swapaxes(m, 1, 2), x_cross)
    c_w = mx + np.swapaxes(mx, 1, 2) + b
    del mx, b, x_cross
    w_all = prefix_scan(occ.levels, c_w, w0, apply_congruence)
    return np.diagonal(w_all, axis1=1, axis2=2).copy()
