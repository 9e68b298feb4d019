"""Predictions for hand-checked candidates equal R's: coxph + survfit(fit, newdata) for OS and PFS,
cmprsk::crr + predict.crr for NRM, on the same data and the same design coded independently in R
(tests/reference/prediction/make_reference.R; survival 3.5.3, cmprsk 2.2-11). Skipped when the
reference file is absent."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from remission.analysis.prediction import ModelSet, Prediction, predict, rcs_basis

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
        # survfit / predict.crr and the delta-method limits from vcov / fit$var: 1e-6 absolute
        np.testing.assert_allclose([risk.estimate, risk.lower, risk.upper], want, rtol=0, atol=1e-6)
        assert risk.lower <= risk.estimate <= risk.upper
