"""concordance_index against a direct count over all pairs (the definition, O(n^2)).

The R reference values (``test_cox_reference.py``) pin the definition on real data sets; this checks the
vectorised counting on many small random data sets with tied times, tied scores, strata, entry times,
weights and clusters.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from remission.survival import concordance_index


def _pairs(time, event, risk, entry, strata, w, cluster) -> tuple[float, float, float, float, float]:
    """Each event i against each row j of its stratum at risk at t_i (entry_j < t_i) that leaves later, or
    at t_i censored; weight w_i w_j. Standard error: R's jackknife of Somers' d from per-row counts."""
    n = time.shape[0]
    conc = disc = tie_x = tie_y = 0.0
    c_i, d_i, t_i = np.zeros(n), np.zeros(n), np.zeros(n)
    for i in range(n):
        if not event[i]:
            continue
        for j in range(n):
            if j == i or strata[j] != strata[i] or entry[j] >= time[i]:
                continue
            if event[j] and time[j] == time[i]:
                if j > i:
                    tie_y += w[i] * w[j]
                continue
            if not (time[j] > time[i] or (time[j] == time[i] and not event[j])):
                continue
            pair = w[i] * w[j]
            if risk[i] > risk[j]:
                conc += pair
                c_i[i] += w[j]
                c_i[j] += w[i]
            elif risk[i] < risk[j]:
                disc += pair
                d_i[i] += w[j]
                d_i[j] += w[i]
            else:
                tie_x += pair
                t_i[i] += w[j]
                t_i[j] += w[i]
    npair = conc + disc + tie_x
    if npair == 0:
        return conc, disc, tie_x, tie_y, float("nan")
    somers = (conc - disc) / npair
    dfbeta = w * ((c_i - d_i) / npair - somers * (c_i + d_i + t_i) / npair)
    dfbeta = np.bincount(cluster, weights=dfbeta)
    return conc, disc, tie_x, tie_y, float(np.sqrt(np.sum(dfbeta**2) / 4.0))


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=6),  # time: heavy ties
            st.integers(min_value=0, max_value=1),  # event
            st.integers(min_value=0, max_value=9),  # risk score: ties, and events can all score low
            st.integers(min_value=0, max_value=5),  # entry (kept below time)
            st.integers(min_value=0, max_value=1),  # stratum
            st.sampled_from([0.5, 1.0, 2.0, 3.0]),  # weight
            st.integers(min_value=0, max_value=3),  # cluster
        ),
        min_size=2,
        max_size=25,
    ),
    use_entry=st.booleans(),
)
def test_counts_equal_a_direct_count_over_pairs(rows, use_entry: bool) -> None:
    time, event, risk, entry, strata, w, cluster = (np.array(v) for v in zip(*rows, strict=True))
    time = time.astype(float)
    event = event.astype(np.int64)
    risk = risk.astype(float)
    entry = np.minimum(entry, time - 1).astype(float) if use_entry else None
    strata = strata.astype(np.int64)
    w = w.astype(float)
    cluster = cluster.astype(np.int64)
    got = concordance_index(time, event, risk, entry, strata, w, cluster)
    conc, disc, tie_x, tie_y, std_err = _pairs(
        time, event, risk, np.full(time.shape, -np.inf) if entry is None else entry, strata, w, cluster
    )
    # sums of the same products in another order: 1e-9 relative
    np.testing.assert_allclose(
        [got.concordant, got.discordant, got.tied_x, got.tied_y], [conc, disc, tie_x, tie_y], rtol=1e-9
    )
    if conc + disc + tie_x > 0:
        np.testing.assert_allclose(got.concordance, (conc + tie_x / 2.0) / (conc + disc + tie_x), rtol=1e-9)
        np.testing.assert_allclose(got.std_err, std_err, rtol=1e-9, atol=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 4), st.booleans()),
        min_size=1,
        max_size=150,
    )
)
def test_later_and_lower_equals_a_direct_count(rows) -> None:
    """Each queried row against every row: higher key and lower rank, higher key and equal rank (ties in
    keys and in ranks on purpose: keys 0-6, ranks 0-4; up to 150 rows, so that the direct first step's
    blocks of 32 rows and several merge levels, whole and short, are all used)."""
    from remission.survival.concordance import later_and_lower

    key = np.array([r[0] for r in rows], dtype=np.int64)
    rank = np.array([r[1] for r in rows], dtype=np.int64)
    asked = np.flatnonzero([r[2] for r in rows]).astype(np.int64)
    lower, equal = later_and_lower(key, rank, asked)
    for got_lower, got_equal, i in zip(lower, equal, asked, strict=True):
        later = key > key[i]
        assert got_lower == int((later & (rank < rank[i])).sum())
        assert got_equal == int((later & (rank == rank[i])).sum())


def test_later_and_lower_on_a_larger_random_set() -> None:
    """1,000 rows, many merge levels, half of them queried: the direct count (O(n^2))."""
    from remission.survival.concordance import later_and_lower

    rng = np.random.default_rng(4)
    key = rng.integers(0, 300, 1000)
    rank = rng.integers(0, 200, 1000)
    asked = np.flatnonzero(rng.random(1000) < 0.5)
    lower, equal = later_and_lower(key, rank, asked)
    later = key[None, :] > key[asked][:, None]
    np.testing.assert_array_equal(lower, (later & (rank[None, :] < rank[asked][:, None])).sum(axis=1))
    np.testing.assert_array_equal(equal, (later & (rank[None, :] == rank[asked][:, None])).sum(axis=1))
