"""Invariants, errors and property-based checks for cox() (no outside reference needed)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from remission.survival import ConvergenceWarning, SurvivalInputError, cox
from remission.survival.regression_checks import INFINITE_COEF, NO_VARIANCE, TOO_FEW_EVENTS
from remission.survival.validation import ENTRY_NOT_BEFORE_EXIT, NEGATIVE_TIME, NOT_FINITE


def _sim(seed: int, n: int = 200, beta: tuple[float, float] = (0.5, -0.3), days: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    t = rng.exponential(np.exp(-(x @ np.array(beta))) * 100.0)
    c = rng.uniform(10, 200, n)
    time = np.minimum(t, c)
    if days:
        time = np.ceil(time)
    return pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "time": time, "event": (t <= c).astype(int)})


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_permuting_rows_changes_nothing(ties: str) -> None:
    d = _sim(1)
    fit = cox(d[["a", "b"]], d.time, d.event, ties=ties, robust=True)
    p = d.sample(frac=1.0, random_state=3)
    fit_p = cox(p[["a", "b"]], p.time, p.event, ties=ties, robust=True)
    # same data in another order: equal to rounding (1e-10 relative)
    np.testing.assert_allclose(fit_p.coef, fit.coef, rtol=1e-10)
    np.testing.assert_allclose(fit_p.se, fit.se, rtol=1e-10)
    np.testing.assert_allclose(fit_p.robust_se, fit.robust_se, rtol=1e-10)
    np.testing.assert_allclose(fit_p.loglik, fit.loglik, rtol=1e-12)
    assert fit_p.concordance.concordance == pytest.approx(fit.concordance.concordance, rel=1e-12)


def test_rescaled_covariate_rescales_its_coefficient() -> None:
    d = _sim(2)
    fit = cox(d[["a", "b"]], d.time, d.event)
    d2 = d.assign(a=d.a * 10.0)
    fit2 = cox(d2[["a", "b"]], d2.time, d2.event)
    # beta_a(10 a) = beta_a(a) / 10, the rest unchanged: 1e-8 relative (both converge to 1e-9 in loglik)
    np.testing.assert_allclose(fit2.coef, fit.coef / np.array([10.0, 1.0]), rtol=1e-8)
    np.testing.assert_allclose(fit2.se, fit.se / np.array([10.0, 1.0]), rtol=1e-8)


def test_confidence_interval_covers_a_null_effect_at_the_nominal_rate() -> None:
    covered = 0
    runs = 200
    for seed in range(runs):
        d = _sim(1000 + seed, n=150, beta=(0.0, 0.0))
        fit = cox(d[["a", "b"]], d.time, d.event)
        lower, upper = fit.conf_int[0]
        covered += lower <= 0.0 <= upper
    # 95 % intervals over 200 seeded data sets: coverage between 0.90 and 0.98
    assert 0.90 <= covered / runs <= 0.98


def test_breslow_weighted_fit_equals_replicated_rows() -> None:
    # (Efron does not have this property: replicating a death changes the number d of tied deaths.)
    d = _sim(4, n=120)
    w = np.random.default_rng(4).integers(1, 4, len(d))
    fit = cox(d[["a", "b"]], d.time, d.event, weights=w, ties="breslow")
    rep = d.loc[d.index.repeat(w)]
    fit_rep = cox(rep[["a", "b"]], rep.time, rep.event, ties="breslow")
    # integer case weights = replicated rows (coef, model-based se): 1e-8 relative
    np.testing.assert_allclose(fit.coef, fit_rep.coef, rtol=1e-8)
    np.testing.assert_allclose(fit.se, fit_rep.se, rtol=1e-8)


def test_counting_process_split_at_an_arbitrary_time_changes_nothing() -> None:
    d = _sim(5, n=150)
    cut = 40.0
    early = d[d.time > cut].assign(time=cut, event=0, entry=0.0)
    late = d[d.time > cut].assign(entry=cut)
    rest = d[d.time <= cut].assign(entry=0.0)
    split = pd.concat([early, late, rest])
    fit = cox(d[["a", "b"]], d.time, d.event)
    fit_split = cox(split[["a", "b"]], split.time, split.event, entry=split.entry)
    # (0, 40] + (40, T] is the same likelihood as (0, T]: 1e-10 relative
    np.testing.assert_allclose(fit_split.coef, fit.coef, rtol=1e-10)
    np.testing.assert_allclose(fit_split.se, fit.se, rtol=1e-10)


def test_survival_prediction_is_monotone_and_in_unit_interval() -> None:
    d = _sim(6)
    fit = cox(d[["a", "b"]], d.time, d.event)
    surv = fit.predict_survival(np.array([[0.0, 0.0], [2.0, -1.0]]), np.linspace(0, 250, 60))
    assert np.all((surv >= 0) & (surv <= 1))
    assert np.all(np.diff(surv, axis=1) <= 0)
    assert surv[0, 0] == 1.0


def test_frame_has_one_row_per_term() -> None:
    d = _sim(7)
    frame = cox(d[["a", "b"]], d.time, d.event, robust=True).to_frame()
    assert list(frame.index) == ["a", "b"]
    assert list(frame.columns) == ["coef", "exp_coef", "se", "robust_se", "z", "p", "lower", "upper"]


# -- errors ---------------------------------------------------------------------------------------


def test_missing_time_is_refused() -> None:
    d = _sim(8, n=20)
    time = d.time.to_numpy().copy()
    time[3] = np.nan
    with pytest.raises(SurvivalInputError) as err:
        cox(d[["a"]], time, d.event)
    assert str(err.value) == NOT_FINITE.format(name="time", count=1, row=3)


def test_negative_time_is_refused() -> None:
    d = _sim(8, n=20)
    time = d.time.to_numpy().copy()
    time[5] = -1.0
    with pytest.raises(SurvivalInputError) as err:
        cox(d[["a"]], time, d.event)
    assert str(err.value) == NEGATIVE_TIME.format(name="time", count=1, row=5)


def test_entry_not_before_exit_is_refused() -> None:
    d = _sim(8, n=20)
    entry = np.zeros(20)
    entry[2] = d.time.iloc[2]
    with pytest.raises(SurvivalInputError) as err:
        cox(d[["a"]], d.time, d.event, entry=entry)
    assert str(err.value) == ENTRY_NOT_BEFORE_EXIT.format(row=2, entry=entry[2], time=d.time.iloc[2])


def test_constant_covariate_is_named() -> None:
    d = _sim(8, n=20).assign(flat=1.0)
    with pytest.raises(SurvivalInputError) as err:
        cox(d[["a", "flat"]], d.time, d.event)
    assert str(err.value) == NO_VARIANCE.format(name="flat")


def test_no_events_is_refused() -> None:
    d = _sim(8, n=20)
    with pytest.raises(SurvivalInputError) as err:
        cox(d[["a", "b"]], d.time, np.zeros(20))
    assert str(err.value) == TOO_FEW_EVENTS.format(events=0, p=2)


def test_perfect_separation_warns_and_names_the_coefficient() -> None:
    d = _sim(9, n=60)
    # 'sep' is 1 exactly for the 25 earliest times, and every one of them is an event.
    order = np.argsort(d.time.to_numpy())
    sep = np.zeros(60)
    sep[order[:25]] = 1.0
    event = d.event.to_numpy().copy()
    event[order[:25]] = 1
    X = pd.DataFrame({"a": d.a, "sep": sep})
    with pytest.warns(ConvergenceWarning) as record:
        cox(X, d.time, event)
    assert any(str(w.message) == INFINITE_COEF.format(names="'sep'") for w in record)


# -- property-based -------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=5),  # heavily tied times
            st.integers(min_value=0, max_value=1),
            st.floats(min_value=-3, max_value=3, allow_nan=False),
            st.floats(min_value=0.1, max_value=3, allow_nan=False),
        ),
        min_size=2,
        max_size=12,
    ),
    ties=st.sampled_from(["efron", "breslow"]),
)
def test_tiny_tied_data_give_finite_results_or_a_clear_error(rows, ties: str) -> None:
    time, event, x, w = (np.array(v, dtype=float) for v in zip(*rows, strict=True))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fit = cox(x, time, event, weights=w, ties=ties, robust=True)
    except SurvivalInputError:
        return
    assert np.isfinite(fit.loglik[0])
    assert not np.isnan(fit.coef).any()
    c = fit.concordance.concordance
    assert np.isnan(c) or -1e-12 <= c <= 1.0 + 1e-12  # rounding only


def test_running_out_of_iterations_while_halving_keeps_the_best_step() -> None:
    # Monotone likelihood (found by hypothesis): the coefficient runs off towards infinity, a step
    # overflows and the 20th iteration is a step halving from a non-finite log-likelihood.
    rows = [
        (5, 0, -5.960464477539063e-08, 1.4414850806539954),
        (3, 1, 2.3248403960856727, 2.0488799330608076),
        (4, 0, -2.220446049250313e-16, 1.9040410291155887),
        (2, 0, 1e-07, 1.8169247317586055),
        (4, 0, 7.479581057271167e-26, 0.5),
        (4, 1, 1.518352480865309e-05, 2.6955204516116753),
        (4, 0, -2.220446049250313e-16, 1.9040410291155887),
        (3, 1, 2.3248403960856727, 2.0488799330608076),
    ]
    time, event, x, w = (np.array(v, dtype=float) for v in zip(*rows, strict=True))
    with pytest.warns(ConvergenceWarning):
        fit = cox(x, time, event, weights=w, ties="efron", robust=True)
    assert fit.iterations == 20 and not fit.converged
    assert np.isfinite(fit.coef).all() and np.isfinite(fit.se).all() and np.isfinite(fit.robust_se).all()
    assert fit.loglik[1] > fit.loglik[0]


def test_information_overflow_is_a_failed_step() -> None:
    # The one death has the largest x of its risk set: beta runs off until the hazard's square overflows
    # (found by hypothesis); the fit keeps the last finite step.
    with pytest.warns(ConvergenceWarning):
        fit = cox([1.0, 0.0, 0.015625], [1, 2, 2], [0, 0, 1], robust=True)
    assert np.isfinite(fit.coef).all() and np.isfinite(fit.se).all() and np.isfinite(fit.robust_se).all()
    assert fit.loglik[1] > fit.loglik[0]


def test_covariate_whose_spread_underflows_has_no_variance() -> None:
    # two distinct values, 0 and the smallest subnormal: their centred squares underflow to 0
    d = _sim(9, n=30)
    x = np.where(np.arange(30) % 2 == 0, 0.0, 5e-324)
    X = pd.DataFrame({"a": d.a, "tiny": x})
    with pytest.raises(SurvivalInputError) as err:
        cox(X, d.time, d.event)
    assert str(err.value) == NO_VARIANCE.format(name="tiny")


def test_collinear_covariate_is_named() -> None:
    from remission.survival.regression_checks import COLLINEAR

    d = _sim(8, n=30)
    X = pd.DataFrame({"a": d.a, "b": d.b, "a_plus_b": d.a + 2 * d.b})
    with pytest.raises(SurvivalInputError) as err:
        cox(X, d.time, d.event)
    assert str(err.value) == COLLINEAR.format(name="a_plus_b")
