"""Invariants and properties of the nonparametric estimators (no outside reference: exact identities)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from remission.survival import (
    aalen_johansen,
    gray_test,
    kaplan_meier,
    logrank_test,
    nelson_aalen,
    pseudo_values,
)
from tests.survival._nonparametric_reference import assert_matches, read

# small data with many ties: times from a few whole numbers, causes 0..2
rows = st.integers(min_value=1, max_value=40)


@st.composite
def competing_data(draw: st.DrawFn, max_cause: int = 2) -> tuple[np.ndarray, np.ndarray]:
    n = draw(rows)
    time = np.array(draw(st.lists(st.integers(0, 6), min_size=n, max_size=n)), dtype=float)
    cause = np.array(draw(st.lists(st.integers(0, max_cause), min_size=n, max_size=n)))
    return time, cause


@settings(max_examples=60, deadline=None)
@given(competing_data())
def test_incidences_plus_survival_add_up_to_one(data: tuple[np.ndarray, np.ndarray]) -> None:
    time, cause = data
    fit = aalen_johansen(time, cause)
    total = fit.cumulative_incidence.sum(axis=1) + fit.survival
    assert_matches(total, np.ones_like(total), rtol=0, atol=1e-12)
    # and the "any event" survival is the Kaplan-Meier of any event
    km = kaplan_meier(time, cause > 0)
    assert_matches(fit.survival, km.survival, rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(competing_data(max_cause=1))
def test_one_cause_aalen_johansen_is_one_minus_km(data: tuple[np.ndarray, np.ndarray]) -> None:
    time, event = data
    fit = aalen_johansen(time, event)
    km = kaplan_meier(time, event)
    if fit.causes.size == 0:  # all censored: no cause to estimate, survival stays 1
        assert_matches(km.survival, 1.0, rtol=0)
        return
    assert_matches(fit.cumulative_incidence[:, 0], 1.0 - km.survival, rtol=0, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(competing_data(max_cause=1))
def test_survival_is_monotone_within_unit_interval(data: tuple[np.ndarray, np.ndarray]) -> None:
    time, event = data
    fit = kaplan_meier(time, event)
    assert np.all((fit.survival >= 0) & (fit.survival <= 1))
    assert np.all(np.diff(fit.survival) <= 0)
    assert np.all(np.diff(nelson_aalen(time, event).cumulative_hazard) >= 0)
    finite = ~np.isnan(fit.lower)
    assert np.all(fit.lower[finite] <= fit.survival[finite] + 1e-15)
    assert np.all(fit.upper[finite] >= fit.survival[finite] - 1e-15)


@settings(max_examples=40, deadline=None)
@given(competing_data(), st.randoms(use_true_random=False))
def test_permuting_rows_changes_nothing(data: tuple[np.ndarray, np.ndarray], rnd) -> None:
    time, cause = data
    perm = np.array(rnd.sample(range(time.size), time.size))
    a = aalen_johansen(time, cause)
    b = aalen_johansen(time[perm], cause[perm])
    assert_matches(a.cumulative_incidence, b.cumulative_incidence, rtol=0, atol=1e-15)
    assert_matches(a.variance, b.variance, rtol=0, atol=1e-15)
    k1 = kaplan_meier(time, cause > 0)
    k2 = kaplan_meier(time[perm], cause[perm] > 0)
    assert_matches(k1.survival, k2.survival, rtol=0, atol=1e-15)
    p1 = pseudo_values(time, cause, [1.0, 3.0, 7.0])
    p2 = pseudo_values(time[perm], cause[perm], [1.0, 3.0, 7.0])
    assert_matches(p1.values[perm], p2.values, rtol=0, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(competing_data())
def test_pseudo_values_equal_explicit_leave_one_out(data: tuple[np.ndarray, np.ndarray]) -> None:
    # the closed form against brute force: refit without each row (curves carried flat after their end)
    time, cause = data
    n = time.size
    times = np.array([0.0, 1.0, 2.5, 4.0, 10.0])
    fast_surv = pseudo_values(time, cause, times).values
    full = kaplan_meier(time, cause > 0).at(times).estimate
    for i in range(n):
        keep = np.arange(n) != i
        loo = np.ones_like(times) if n == 1 else kaplan_meier(time[keep], cause[keep] > 0).at(times).estimate
        assert_matches(fast_surv[i], n * full - (n - 1) * loo, rtol=0, atol=1e-9)
    if (cause == 1).any():
        fast_inc = pseudo_values(time, cause, times, cause=1).values
        full_inc = aalen_johansen(time, cause).at(times, 1).estimate
        for i in range(n):
            keep = np.arange(n) != i
            loo_inc = np.zeros_like(times)
            if n > 1 and (cause[keep] == 1).any():
                loo_inc = aalen_johansen(time[keep], cause[keep]).at(times, 1).estimate
            assert_matches(fast_inc[i], n * full_inc - (n - 1) * loo_inc, rtol=0, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(competing_data(max_cause=1))
def test_all_censored_or_zero_events(data: tuple[np.ndarray, np.ndarray]) -> None:
    time, _ = data
    event = np.zeros_like(time, dtype=int)
    km = kaplan_meier(time, event)
    assert_matches(km.survival, 1.0, rtol=0)
    assert_matches(km.std_err, 0.0, rtol=0)
    assert np.isnan(km.median.estimate)
    aj = aalen_johansen(time, event)
    assert aj.causes.size == 0 and aj.cumulative_incidence.shape == (km.time.size, 0)


@settings(max_examples=40, deadline=None)
@given(competing_data(max_cause=1), st.integers(0, 6))
def test_logrank_with_a_single_row_group(data: tuple[np.ndarray, np.ndarray], lone_time: int) -> None:
    time, event = data
    time = np.append(time, float(lone_time))
    event = np.append(event, 1)
    group = np.array(["big"] * (time.size - 1) + ["lone"])
    result = logrank_test(time, event, group)
    assert result.n.tolist() == [time.size - 1, 1]
    # O - E sums to zero over groups, and each row of V sums to zero
    assert_matches((result.observed - result.expected).sum(), 0.0, rtol=0, atol=1e-9)
    assert_matches(result.variance.sum(axis=1), 0.0, rtol=0, atol=1e-9)
    assert result.statistic >= 0 or np.isnan(result.statistic)


def test_gray_test_is_invariant_to_group_labels_and_order() -> None:
    data = read("competing.csv")
    relabel = {"a": "z", "b": "y", "c": "x"}  # reverses the sorted order, so another group is dropped
    a = gray_test(data["time"], data["cause"], data["group"])
    b = gray_test(data["time"], data["cause"], data["group"].map(relabel))
    assert_matches(a.statistic, b.statistic, rtol=1e-10)


def test_aalen_johansen_large_heavy_ties_matches_grouped_small() -> None:
    # duplicating every row k times leaves the estimate unchanged (risk sets scale by k)
    data = read("competing.csv")
    one = aalen_johansen(data["time"], data["cause"])
    three = aalen_johansen(np.repeat(data["time"], 3), np.repeat(data["cause"], 3))
    assert_matches(one.cumulative_incidence, three.cumulative_incidence, rtol=1e-12, atol=1e-15)
