"""Invariants, errors and property-based checks for fine_gray()."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from remission.survival import ConvergenceWarning, SurvivalInputError, cox, fine_gray
from remission.survival.regression_checks import CAUSE_ABSENT


def _sim(seed: int, n: int = 300, competing: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    t1 = rng.exponential(np.exp(-(x @ np.array([0.4, -0.2]))) * 50)
    t2 = rng.exponential(np.exp(-(x @ np.array([-0.3, 0.1]))) * 60) if competing else np.full(n, np.inf)
    tc = rng.uniform(5, 100, n)
    time = np.ceil(np.minimum(np.minimum(t1, t2), tc))
    cause = np.where(tc <= np.minimum(t1, t2), 0, np.where(t1 <= t2, 1, 2))
    return pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "time": time, "cause": cause})


def test_without_competing_events_fine_gray_is_breslow_cox() -> None:
    d = _sim(1, competing=False)
    fg = fine_gray(d[["a", "b"]], d.time, d.cause)
    cx = cox(d[["a", "b"]], d.time, d.cause, ties="breslow", robust=True)
    # Same estimating equation (crr handles ties as Breslow). crr's stopping rule,
    # max|U| max(|b|, 1) < 1e-6 max(|loglik|, 1), leaves |U| up to ~1e-3 at loglik ~ -1000, i.e. ~2e-5
    # relative in the coefficients here: 1e-4 relative. With psi = 0 the sandwich is coxph's robust one.
    np.testing.assert_allclose(fg.coef, cx.coef, rtol=1e-4)
    np.testing.assert_allclose(fg.se, cx.robust_se, rtol=1e-4)
    np.testing.assert_allclose(fg.model_se, cx.se, rtol=1e-4)
    np.testing.assert_allclose(fg.loglik[1], cx.loglik[1], rtol=1e-9)


def test_permuting_rows_changes_nothing() -> None:
    d = _sim(2)
    fit = fine_gray(d[["a", "b"]], d.time, d.cause)
    p = d.sample(frac=1.0, random_state=5)
    fit_p = fine_gray(p[["a", "b"]], p.time, p.cause)
    # same data in another order: 1e-10 relative
    np.testing.assert_allclose(fit_p.coef, fit.coef, rtol=1e-10)
    np.testing.assert_allclose(fit_p.se, fit.se, rtol=1e-10)


def test_without_the_variance_the_fit_is_the_same_and_every_variance_is_missing() -> None:
    d = _sim(6)
    full = fine_gray(d[["a", "b"]], d.time, d.cause)
    bare = fine_gray(d[["a", "b"]], d.time, d.cause, variance=False)
    # the same Newton steps: identical coefficients and baseline
    np.testing.assert_array_equal(bare.coef, full.coef)
    np.testing.assert_array_equal(bare.baseline_hazard().to_numpy(), full.baseline_hazard().to_numpy())
    assert np.isnan(bare.var).all() and np.isnan(bare.se).all() and np.isnan(bare.model_se).all()
    assert np.isnan(bare.conf_int).all() and np.isnan(bare.wald_test.statistic)
    assert not np.isnan(full.se).any()


def test_rescaled_covariate_rescales_its_coefficient() -> None:
    d = _sim(3)
    fit = fine_gray(d[["a", "b"]], d.time, d.cause)
    fit2 = fine_gray(d[["a", "b"]].assign(a=d.a * 4.0), d.time, d.cause)
    # crr's stopping rule is on the scaled score (1e-6): 1e-6 relative
    np.testing.assert_allclose(fit2.coef, fit.coef / np.array([4.0, 1.0]), rtol=1e-6)


def test_cumulative_incidence_is_monotone_and_below_one() -> None:
    d = _sim(4)
    fit = fine_gray(d[["a", "b"]], d.time, d.cause)
    cif = fit.predict_cumulative_incidence(np.array([[0.0, 0.0], [1.0, 1.0]]), np.linspace(0, 120, 50))
    assert np.all((cif >= 0) & (cif < 1))
    assert np.all(np.diff(cif, axis=1) >= 0)


def test_absent_cause_is_refused() -> None:
    d = _sim(5, n=50)
    with pytest.raises(SurvivalInputError) as err:
        fine_gray(d[["a"]], d.time, d.cause, cause_of_interest=3)
    assert str(err.value) == CAUSE_ABSENT.format(cause=3, present=[1, 2])


@settings(max_examples=50, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=4),
            st.integers(min_value=0, max_value=2),
            st.floats(min_value=-2, max_value=2, allow_nan=False),
        ),
        min_size=2,
        max_size=12,
    )
)
def test_tiny_tied_data_give_finite_results_or_a_clear_error(rows) -> None:
    time, cause, x = (np.array(v, dtype=float) for v in zip(*rows, strict=True))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fit = fine_gray(x, time, cause)
    except SurvivalInputError:
        return
    assert np.isfinite(fit.loglik[0])
    assert not np.isnan(fit.coef).any()
