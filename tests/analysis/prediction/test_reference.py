"""Predictions for hand-checked candidates equal R's: coxph + survfit(fit, newdata) for OS and PFS,
cmprsk::crr + predict.crr for NRM, on the same data and the same design coded independently in R
(tests/reference/prediction/make_reference.R; survival 3.5.3, cmprsk 2.2-11). The OS and PFS limits are
survfit(fit, newdata, conf.type = "log-log")'s, whose variance includes the baseline hazard's; the NRM
limits and a model set stored without the baseline's variance use the coefficients-only delta method,
computed in R from vcov / fit$var. Skipped when the reference file is absent."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from remission.analysis.prediction import ModelSet, Prediction, candidate_predictors, predict, rcs_basis
from remission.analysis.prediction.predict import (
    INTERVAL_METHOD,
    INTERVAL_METHOD_FIXED_BASELINE,
    _risks,
    interval_method,
)
from remission.survival.cox import cumhaz_variance

from .conftest import CANDIDATES, EXPECTED


@pytest.fixture(scope="module")
def expected() -> dict[tuple[int, str, str], float]:
    if not EXPECTED.exists():
        pytest.skip(f"{EXPECTED.name} absent: run tests/reference/prediction/make_reference.R")
    table = pd.read_csv(EXPECTED, dtype={"key": str}, keep_default_na=False)
    return {(int(r.candidate), r.what, r.key): float(r.value) for r in table.itertuples(index=False)}


def test_design_and_knots_match_r(model_set: ModelSet, expected: dict) -> None:
    # the fitted rows (complete cases, "ra" left out) and the design columns: exact
    assert model_set.n == expected[(0, "n", "fitted")]
    names = next(key for (c, what, key) in expected if what == "columns")
    assert list(model_set.design.columns) == names.split(";")
    # knots = quantile(age, c(.1, .5, .9)): 1e-12 absolute (the same type-7 interpolation)
    knots = [expected[(0, "knot", str(k))] for k in (1, 2, 3)]
    np.testing.assert_allclose(model_set.design.knots, knots, rtol=0, atol=1e-12)


def test_spline_basis_of_the_candidates_matches_r(model_set: ModelSet, expected: dict) -> None:
    ages = [c["age_years"] for c in CANDIDATES]
    basis = rcs_basis(ages, model_set.design.knots)
    want = [[expected[(i + 1, "basis", "age")], expected[(i + 1, "basis", "age'")]] for i in range(len(ages))]
    # closed form in both languages: 1e-12 absolute
    np.testing.assert_allclose(basis, want, rtol=0, atol=1e-12)


@pytest.mark.parametrize("endpoint", ["OS", "PFS", "NRM"])
def test_coefficients_match_r(model_set: ModelSet, expected: dict, endpoint: str) -> None:
    model = model_set.model(endpoint)
    want = [expected[(0, f"coef_{endpoint}", name)] for name in model.columns]
    # coxph converges to |1 - L_old/L_new| <= 1e-9, crr to gtol 1e-6: coefficients agree to 1e-6 absolute
    np.testing.assert_allclose(model.coef, want, rtol=0, atol=1e-6)


@pytest.mark.parametrize("index", range(len(CANDIDATES)))
def test_predictions_and_intervals_match_r(model_set: ModelSet, expected: dict, index: int) -> None:
    result = predict(model_set, CANDIDATES[index])
    assert isinstance(result, Prediction), result
    keys = [
        ("OS", 365.25),
        ("OS", 1826.25),
        ("PFS", 365.25),
        ("PFS", 1826.25),
        ("NRM", 100.0),
        ("NRM", 365.25),
    ]
    assert [(r.endpoint, r.horizon_days) for r in result.risks] == keys
    for risk in result.risks:
        key = f"{risk.endpoint}|{risk.horizon_days:.17g}"
        want = [expected[(index + 1, what, key)] for what in ("estimate", "lower", "upper")]
        # OS, PFS: survfit(fit, newdata, conf.type = "log-log") estimate and limits; NRM: predict.crr and
        # the delta-method limits from fit$var: 1e-6 absolute
        np.testing.assert_allclose([risk.estimate, risk.lower, risk.upper], want, rtol=0, atol=1e-6)
        assert risk.lower <= risk.estimate <= risk.upper
    assert result.interval_method == INTERVAL_METHOD


COX_KEYS = [("OS", 365.25), ("OS", 1826.25), ("PFS", 365.25), ("PFS", 1826.25)]


@pytest.mark.parametrize("endpoint", ["OS", "PFS"])
def test_interval_at_the_design_means_matches_survfit(
    model_set: ModelSet, expected: dict, endpoint: str
) -> None:
    # candidate 6 of make_reference.R: x = x̄, the design means (not a patient a candidate can be), where
    # the coefficients-only interval had zero width; survfit's includes the baseline's variance
    model = model_set.model(endpoint)
    horizons = tuple(h for e, h in COX_KEYS if e == endpoint)
    z = float(stats.norm.ppf(0.975))
    for risk in _risks(model, np.asarray(model.centre), horizons, z):
        key = f"{endpoint}|{risk.horizon_days:.17g}"
        want = [expected[(6, what, key)] for what in ("estimate", "lower", "upper")]
        # survfit(fit, newdata = xbar, conf.type = "log-log"): 1e-6 absolute
        np.testing.assert_allclose([risk.estimate, risk.lower, risk.upper], want, rtol=0, atol=1e-6)
        # R's coefficients-only limits there are the estimate itself (zero width); these are not
        assert expected[(6, "lower_fixed", key)] == expected[(6, "upper_fixed", key)]
        assert risk.upper - risk.lower > 0.02


def test_a_model_set_stored_without_the_baseline_variance_falls_back(
    model_set: ModelSet, expected: dict
) -> None:
    # a model set stored before the Cox models kept their baseline variance: its JSON has no such key
    data = model_set.to_dict()
    for model in data["models"]:
        model.pop("baseline_variance", None)
    old = ModelSet.from_dict(data)
    assert all(m.baseline_variance is None for m in old.models)
    assert interval_method(old) == INTERVAL_METHOD_FIXED_BASELINE and "refit" in interval_method(old)
    for index, candidate in enumerate(CANDIDATES):
        result = predict(old, candidate)
        assert isinstance(result, Prediction), result
        assert result.interval_method == INTERVAL_METHOD_FIXED_BASELINE
        new = predict(model_set, candidate)
        assert isinstance(new, Prediction)
        for risk, now in zip(result.risks, new.risks, strict=True):
            key = f"{risk.endpoint}|{risk.horizon_days:.17g}"
            fixed = ("lower", "upper") if risk.endpoint == "NRM" else ("lower_fixed", "upper_fixed")
            want = [expected[(index + 1, what, key)] for what in ("estimate", *fixed)]
            # the coefficients-only delta method computed in R from vcov / fit$var: 1e-6 absolute
            np.testing.assert_allclose([risk.estimate, risk.lower, risk.upper], want, rtol=0, atol=1e-6)
            assert risk.estimate == now.estimate
            if risk.endpoint != "NRM":  # the baseline's variance only widens the interval
                assert now.lower < risk.lower and risk.upper < now.upper


def test_stored_baseline_variance_gives_survfits_standard_error(model_set: ModelSet, expected: dict) -> None:
    # se of the cumulative hazard Λ(t | x) (survfit's $std.err) from the stored terms, for the candidates
    for index, candidate in enumerate(CANDIDATES):
        x = model_set.design.encode(dict(_coded(model_set, candidate)))[0]
        for endpoint, horizon in COX_KEYS:
            model = model_set.model(endpoint)
            terms = model.variance_at(horizon)
            assert terms is not None
            centre, coef = np.asarray(model.centre), np.asarray(model.coef)
            at = np.searchsorted(model.baseline_times, horizon, side="right")
            at_centre = model.baseline_cumhaz[at - 1] * np.exp(centre @ coef)
            var = cumhaz_variance(
                x - centre, coef, model.covariance, [at_centre], [terms.variance], [terms.shift]
            )
            want = expected[(index + 1, "std_err", f"{endpoint}|{horizon:.17g}")]
            # survfit(fit, newdata)$std.err at the horizon: 1e-8 relative
            np.testing.assert_allclose(np.sqrt(var[0]), want, rtol=1e-8)


def _coded(model_set: ModelSet, candidate: dict) -> dict:
    coded = candidate_predictors(model_set, candidate)
    assert isinstance(coded, dict), coded
    return coded


def test_a_horizon_without_stored_baseline_variance_is_an_error(model_set: ModelSet) -> None:
    # the terms are stored for the settings' horizons only; settings changed after the fit do not match
    later = dataclasses.replace(
        model_set, settings=dataclasses.replace(model_set.settings, os_horizons=(730.5,))
    )
    with pytest.raises(ValueError, match=r"OS: no baseline variance stored at horizon 730\.5 days"):
        predict(later, CANDIDATES[0])
