"""Harrell's concordance (C) of a risk score with survival data, counted as R's ``concordance``.

Pairs are counted with weights w_i w_j, per stratum, with left truncation (``entry``); the standard error is
R's infinitesimal jackknife. All counts reduce to one question asked for every event: how much weight do
the rows with a time key in [lo, hi) and a score rank below (or equal to) the event's carry. That is
answered for all events at once, without a loop over rows, by :func:`_dominance`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Concordance:
    """Harrell's C with R's pair counts (weighted): C = (concordant + tied_x / 2) / (all three)."""

    concordance: float
    concordant: float
    discordant: float
    tied_x: float
    tied_y: float
    std_err: float


def concordance_index(
    time: NDArray[np.float64],
    event: NDArray[np.int64],
    risk: NDArray[np.float64],
    entry: NDArray[np.float64] | None = None,
    strata: NDArray[np.int64] | None = None,
    weights: NDArray[np.float64] | None = None,
    cluster: NDArray[np.int64] | None = None,
) -> Concordance:
    """Harrell's C for a risk score (higher = earlier event), counted as R's ``concordance``.

    For each event at t, the comparable rows are those of the same stratum at risk at t (entry < t)
    whose time is after t, or equal to t and censored (a censoring tied with an event is taken to come
    after it). Pairs tied on the score count one half; pairs of tied events are ``tied_y`` and do not
    enter C. Each pair carries the weight w_i w_j. O(n log^2 n) without a loop over rows.
    """
    n = time.shape[0]
    w = np.ones(n) if weights is None else weights
    strata = np.zeros(n, dtype=np.int64) if strata is None else strata
    unique = np.unique(time if entry is None else np.concatenate([time, entry]))
    t_rank = np.searchsorted(unique, time).astype(np.int64)
    span = np.int64(2 * unique.shape[0] + 2)
    # Comparator key: 2 rank + 1 if censored, 2 rank if event; an event's comparators have key >= 2 rank + 1.
    point_key = strata * span + 2 * t_rank + (1 - event)
    ev = np.flatnonzero(event)
    query_lo = strata[ev] * span + 2 * t_rank[ev] + 1
    query_hi = (strata[ev] + 1) * span
    _, score_rank = np.unique(risk, return_inverse=True)
    score_rank = score_rank.astype(np.int64).ravel()
    q_rank = score_rank[ev]
    less, equal = _dominance(point_key, score_rank, w, query_lo, query_hi, q_rank)
    total = _range_sum(point_key, w, query_lo, query_hi)
    if entry is not None:
        # Remove rows that enter at or after t: they are not at risk.
        e_rank = np.searchsorted(unique, entry).astype(np.int64)
        entry_key = strata * span + 2 * e_rank + 1
        less_e, equal_e = _dominance(entry_key, score_rank, w, query_lo, query_hi, q_rank)
        less -= less_e
        equal -= equal_e
        total -= _range_sum(entry_key, w, query_lo, query_hi)
    greater = total - less - equal
    wi = w[ev]
    concordant = float(wi @ less)
    discordant = float(wi @ greater)
    tied_x = float(wi @ equal)
    # Tied event pairs (same stratum, same time, both events), each unordered pair once.
    event_key = strata[ev] * span + t_rank[ev]
    _, inverse = np.unique(event_key, return_inverse=True)
    wsum = np.bincount(inverse, weights=wi)
    wsq = np.bincount(inverse, weights=wi * wi)
    tied_y = float(((wsum * wsum - wsq) / 2.0).sum())
    denominator = concordant + discordant + tied_x
    value = (concordant + tied_x / 2.0) / denominator if denominator > 0 else np.nan
    std_err = np.nan
    if denominator > 0:
        # R's standard error: the infinitesimal jackknife of Somers' d = (conc - disc)/npair
        # (survival:::concordancefit): row i's dfbeta is w_i ((c_i - d_i)/npair - d (c_i + d_i + t_i)/npair)
        # over the pairs row i belongs to, as the event or as the comparator; var(C) = sum dfbeta^2 / 4.
        c_i = np.zeros(n)
        d_i = np.zeros(n)
        t_i = np.zeros(n)
        c_i[ev], d_i[ev], t_i[ev] = less, greater, equal
        lo_c = strata * span if entry is None else strata * span + 2 * e_rank + 2
        hi_c = strata * span + 2 * t_rank + (1 - event) + 1
        ev_key = strata[ev] * span + 2 * t_rank[ev] + 1
        less_c, equal_c = _dominance(ev_key, q_rank, wi, lo_c, hi_c, score_rank)
        total_c = _range_sum(ev_key, wi, lo_c, hi_c)
        c_i += total_c - less_c - equal_c  # events with a higher score: concordant
        d_i += less_c
        t_i += equal_c
        somers = (concordant - discordant) / denominator
        dfbeta = w * ((c_i - d_i) / denominator - somers * (c_i + d_i + t_i) / denominator)
        if cluster is not None:
            dfbeta = np.bincount(cluster, weights=dfbeta)  # R sums the dfbeta within clusters too
        std_err = float(np.sqrt(np.sum(dfbeta**2) / 4.0))
    return Concordance(
        concordance=value,
        concordant=concordant,
        discordant=discordant,
        tied_x=tied_x,
        tied_y=tied_y,
        std_err=std_err,
    )


def _range_sum(key: NDArray[np.int64], w: NDArray[np.float64], lo: NDArray, hi: NDArray) -> NDArray:
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    cum = np.r_[0.0, np.cumsum(w[order])]
    return cum[np.searchsorted(sorted_key, hi)] - cum[np.searchsorted(sorted_key, lo)]


def _dominance(
    key: NDArray[np.int64],
    rank: NDArray[np.int64],
    w: NDArray[np.float64],
    lo: NDArray[np.int64],
    hi: NDArray[np.int64],
    q_rank: NDArray[np.int64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """For each query: weight of points with key in [lo, hi) and rank < q_rank, and rank == q_rank.

    ``less`` walks the binary digits of the ranks from the highest down (a wavelet-tree walk). Points
    and, for each query, two markers (at ``lo`` and at ``hi``) are sorted once by key, markers before
    points of equal key; at each digit the items are in (rank prefix, key) order, so that the points of
    the query's prefix block with key in [lo, hi) lie between its two markers. Where the query's digit is
    1, the points of that block whose digit is 0 have a smaller rank: their weight between the markers is
    a difference of one running sum. The items are then split stably by the digit, in O(items), for the
    next one. No sort and no binary search inside the loop.
    """
    n_points, n_queries = key.shape[0], lo.shape[0]
    less = np.zeros(n_queries)
    if n_points and n_queries:
        # items: the points, then the lo markers (sign -1), then the hi markers (sign +1)
        item_key = np.concatenate([key, lo, hi])
        is_point = np.r_[np.ones(n_points, dtype=np.int64), np.zeros(2 * n_queries, dtype=np.int64)]
        order = np.argsort(item_key * 2 + is_point)  # markers first among equal keys
        value = np.concatenate([rank, q_rank, q_rank])[order]
        weight = np.r_[w, np.zeros(2 * n_queries)][order]
        sign = np.r_[np.zeros(n_points), -np.ones(n_queries), np.ones(n_queries)][order]
        query = np.r_[np.zeros(n_points, dtype=np.int64), np.arange(n_queries), np.arange(n_queries)][order]
        positions = np.arange(value.shape[0])
        for b in range(int(value.max()).bit_length() - 1, -1, -1):
            digit = (value >> b) & 1
            left = np.where(digit == 0, weight, 0.0)
            running = np.cumsum(left) - left  # weight of the 0-digit points before each item
            counted = np.flatnonzero((digit == 1) & (sign != 0))
            less += np.bincount(query[counted], weights=sign[counted] * running[counted], minlength=n_queries)
            if b == 0:
                break
            # stable split of each block (value >> (b + 1)) into its 0-digit then its 1-digit items
            block = value >> (b + 1)
            new_block = np.r_[True, block[1:] != block[:-1]]
            starts = np.flatnonzero(new_block)
            block_index = np.cumsum(new_block) - 1
            start = starts[block_index]
            zeros_before = np.cumsum(1 - digit) - (1 - digit)  # 0-digit items before, anywhere
            zeros_in_block = np.add.reduceat(1 - digit, starts)[block_index]
            zeros_before_in_block = zeros_before - zeros_before[start]
            target = np.where(
                digit == 0,
                start + zeros_before_in_block,
                start + zeros_in_block + (positions - start - zeros_before_in_block),
            )
            for array in (value, weight, sign, query):
                array[target] = array.copy()
    span = np.int64(max(int(key.max()), int(hi.max())) + 1) if n_points and n_queries else np.int64(1)
    composite = rank.astype(np.int64) * span + key
    order = np.argsort(composite)
    composite = composite[order]
    cum = np.r_[0.0, np.cumsum(w[order])]
    equal = (
        cum[np.searchsorted(composite, q_rank * span + hi)]
        - cum[np.searchsorted(composite, q_rank * span + lo)]
    )
    return less, equal


BASE_BLOCK = 32  # rows per block of the merge sort's first, direct step


def later_and_lower(
    key: NDArray[np.int64], rank: NDArray[np.int64], rows: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """For each of ``rows``: the number of rows with a higher ``key`` and a lower ``rank`` (``lower``),
    and with a higher key and the same rank (``equal``); unweighted, one-sided (every higher key).

    This is the count of the unweighted truncated C-statistics (the keys order the rows in time, the
    ranks are those of the score) and a special case of :func:`_dominance` (weights 1, hi = every key),
    counted faster by a bottom-up merge sort of the rows in (key, rank) order. A row with the same key
    as a queried row comes after it only when its rank is not lower, so "after in (key, rank) order and
    lower in rank" is "higher key and lower rank". First, within blocks of :data:`BASE_BLOCK` rows, each
    queried row is compared with the rows after it directly, and the blocks are sorted by rank. Then, at
    each level, a left block's queried rows count the rows of the right block beside it with a lower rank
    (one binary search in the right blocks, each sorted, in pair order), and each pair of blocks is
    merged by one stable sort (two sorted runs per pair).
    """
    n = key.shape[0]
    # (key, rank) order by one sort of a composite (faster than lexsort; rows equal in both are
    # interchangeable: neither counts the other)
    rank_span = np.int64(int(rank.max()) + 1) if n else np.int64(1)
    order = np.argsort(key.astype(np.int64) * rank_span + rank)
    values = rank[order].astype(np.int64)
    wanted = np.zeros(n, dtype=bool)
    wanted[rows] = True
    wanted = wanted[order]
    lower = np.zeros(n, dtype=np.int64)
    slot = np.arange(n)
    span = np.int64(max(int(values.max()), 0) + 1) if n else np.int64(1)
    # within each block of BASE_BLOCK rows: the later rows of the block with a lower rank, directly
    block = BASE_BLOCK
    padded = np.r_[values, np.full((-n) % block, np.iinfo(np.int64).max)].reshape(-1, block)
    asked = np.flatnonzero(wanted)
    later = np.arange(block)[None, :] > (asked % block)[:, None]
    lower[order[asked]] = ((padded[asked // block] < values[asked][:, None]) & later).sum(axis=1)
    merged = np.argsort((slot // block) * span + values, kind="stable")
    values, source, wanted = values[merged], order[merged], wanted[merged]
    width = block
    while width < n:
        pair = slot // (2 * width)
        left = (slot // width) % 2 == 0
        block_key = pair * span + values  # sorted within each block of ``width`` rows
        right = block_key[~left]  # every right block, each sorted, in pair order: sorted
        ask = left & wanted
        # the right block of pair p starts at p × width in ``right`` (every earlier pair is whole); a pair
        # without a right block (the last, short one) finds len(right) both ways: 0
        start = np.minimum(pair[ask] * width, right.shape[0])
        lower[source[ask]] += np.searchsorted(right, block_key[ask]) - start
        merged = np.argsort(block_key, kind="stable")
        values, source, wanted = values[merged], source[merged], wanted[merged]
        width *= 2
    # equal ranks with a higher key: (rank, key) composite, counted by two binary searches
    key_span = np.int64(int(key.max()) + 1) if n else np.int64(1)
    composite = np.sort(rank.astype(np.int64) * key_span + key)
    base = rank[rows].astype(np.int64) * key_span
    higher = np.searchsorted(composite, base + key[rows], side="right")
    equal = np.searchsorted(composite, base + key_span) - higher
    return lower[rows], equal
