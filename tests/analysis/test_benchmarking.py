"""Centre benchmarking against R (survival::coxph + predict type "expected", poisson.test, and the
Spiegelhalter funnel limits written out in base R) and against a limit worked out by hand.

Reference values: tests/reference/benchmarking/make_reference.R (run it with Rscript to remake them).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from remission.analysis.benchmarking import (
    ENDPOINTS,
    BenchmarkEndpoint,
    centre_benchmarks,
    funnel_curve,
    funnel_limit,
    funnel_limits,
    poisson_ratio_ci,
)

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "benchmarking"
R_ENDPOINTS = (
    BenchmarkEndpoint("os_1y", "1-year overall mortality", "os_days", "os_event", 365.25),
    BenchmarkEndpoint("nrm_1y", "1-year non-relapse mortality", "cr_days", "cr_cause", 365.25, 2),
    BenchmarkEndpoint("nrm_2y", "2-year non-relapse mortality", "cr_days", "cr_cause", 730.5, 2),
)


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "data_centres.csv")


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "expected_reference.csv")


def test_expected_and_observed_events_match_r(cohort: pd.DataFrame, reference: pd.DataFrame) -> None:
    result = centre_benchmarks(cohort, endpoints=R_ENDPOINTS)
    assert result is not None
    mine = result.centres.set_index(["endpoint", "centre"]).sort_index()
    theirs = reference.set_index(["endpoint", "centre"]).sort_index()
    assert list(mine.index) == list(theirs.index)
    np.testing.assert_array_equal(mine["n"], theirs["n"])
    np.testing.assert_array_equal(mine["observed"], theirs["observed"])
    np.testing.assert_allclose(mine["expected"], theirs["expected"], rtol=1e-6)
    np.testing.assert_allclose(mine["ratio"], theirs["ratio"], rtol=1e-6)
    np.testing.assert_allclose(mine["lower"], theirs["lower"], rtol=1e-6)
    np.testing.assert_allclose(mine["upper"], theirs["upper"], rtol=1e-6)


def test_observed_equals_expected_over_the_cohort(reference: pd.DataFrame) -> None:
    """The martingale residuals of a Cox fit sum to 0: R's per-centre numbers add up to Σ O = Σ E."""
    totals = reference.groupby("endpoint")[["observed", "expected"]].sum()
    np.testing.assert_allclose(totals["expected"], totals["observed"], rtol=1e-8)


def test_funnel_limits_match_r() -> None:
    grid = pd.read_csv(REFERENCE / "funnel_reference.csv")
    for p, rows in grid.groupby("p"):
        np.testing.assert_allclose(
            funnel_limit(rows["expected"], float(p)), rows["limit"], rtol=1e-9, atol=1e-12
        )


def test_a_funnel_limit_by_hand() -> None:
    """E = 1, p = 0.975: P(O ≤ 2) = 2.5/e = 0.91970 < p ≤ P(O ≤ 3) = (8/3)/e = 0.98101, so r = 3;
    α = (0.98101 − 0.975) / (1/(6e)) = 0.09805 and the limit is (3 − α)/1 = 2.90195."""
    cdf3 = (1 + 1 + 0.5 + 1 / 6) * math.exp(-1)
    alpha = (cdf3 - 0.975) / (math.exp(-1) / 6)
    assert 3 - alpha == pytest.approx(2.90195, abs=1e-5)
    assert funnel_limit(1.0, 0.975).item() == pytest.approx(3 - alpha, rel=1e-12)


def test_limits_narrow_as_expected_events_grow() -> None:
    limits = funnel_limits([2.0, 20.0, 200.0])
    assert (np.diff(limits["upper_998"]) < 0).all() and (np.diff(limits["lower_998"]) > 0).all()
    assert (limits["upper_998"] > limits["upper_95"]).all() and (
        limits["lower_998"] <= limits["lower_95"]
    ).all()


def test_poisson_interval_of_no_event() -> None:
    """O = 0: lower 0, upper −ln(0.025)/E (the exact Poisson upper limit for zero events)."""
    lower, upper = poisson_ratio_ci([0], [2.0])
    assert lower[0] == 0.0
    assert upper[0] == pytest.approx(-math.log(0.025) / 2.0, rel=1e-9)


def test_fewer_than_three_centres_gives_nothing(cohort: pd.DataFrame) -> None:
    two = cohort[cohort["centre"].isin(["c-a", "c-b"])]
    assert centre_benchmarks(two, endpoints=R_ENDPOINTS) is None


def test_the_report_endpoints_count_events_by_their_horizon() -> None:
    frame = pd.DataFrame(
        {
            "cr_days": [50, 100, 101, 300, 30],
            "cr_cause": [2, 2, 2, 1, 0],
            "os_days": [50, 100, 101, 400, 30],
            "os_event": [1, 1, 1, 1, 0],
        }
    )
    by_name = {e.name: e for e in ENDPOINTS}
    time, event = by_name["nrm_100d"].observed(frame)
    assert time.tolist() == [50, 100, 100, 100, 30] and event.tolist() == [1, 1, 0, 0, 0]
    time, event = by_name["os_1y"].observed(frame)
    assert time.tolist() == [50, 100, 101, 365.25, 30] and event.tolist() == [1, 1, 1, 0, 0]


def test_missing_columns_are_named(cohort: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="centre benchmarking needs the columns"):
        centre_benchmarks(cohort.drop(columns="era"), endpoints=R_ENDPOINTS)


def test_the_funnel_lines_span_a_tenfold_range_at_least() -> None:
    # expected 4 and 10: geometric middle sqrt(40) = 6.32, widened to 6.32 / sqrt(10) = 2 up to
    # 6.32 * sqrt(10) = 20 (wider than 4 * 0.8 ... 10 * 1.15)
    centres = pd.DataFrame({"expected": [4.0, 10.0, 0.0]})
    curve = funnel_curve(centres, points=5)
    np.testing.assert_allclose(curve["expected"], [2.0, 2.0 * 10**0.25, 2.0 * 10**0.5, 2.0 * 10**0.75, 20.0])
    limits = funnel_limits([2.0, 20.0])
    np.testing.assert_allclose(curve["upper_95"].iloc[[0, -1]], limits["upper_95"], rtol=1e-12)
    assert funnel_curve(pd.DataFrame({"expected": [0.0]})).empty  # nobody expected: no line


def test_each_benchmarked_endpoint_has_its_funnel(cohort: pd.DataFrame) -> None:
    result = centre_benchmarks(cohort)
    assert result is not None
    assert set(result.funnels["endpoint"]) == set(result.centres["endpoint"])
