"""Propensity scores against R's glm(binomial) with splines::ns(), and the weights' defining properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from remission.survival import (
    SurvivalInputError,
    balancing_weights,
    propensity_score,
    weighted_means_by_group,
)
from remission.survival.propensity import crump_bounds
from tests.survival import _propensity_reference as ref


def _lalonde_X() -> pd.DataFrame:
    return ref.lalonde()[ref.LALONDE_COVARIATES]


def _registry_X(columns: list[str] | None = None) -> pd.DataFrame:
    return ref.registry()[columns or ref.REGISTRY_COVARIATES]


CASES = {
    # name: (data, kwargs)  -- the R formula is in make_reference.R under the same name
    "lalonde_plain": ("lalonde", {"spline_columns": []}),
    "lalonde_ns": ("lalonde", {"spline_columns": ["age", "educ"]}),
    "registry_ns": ("registry", {}),  # default: age and edss (numeric, non-binary) as ns(df = 3)
    "registry_ns4": ("registry", {"spline_df": 4, "spline_columns": ["age"]}),
    "registry_factors": ("registry_factors", {}),
}


def _fit(case: str):
    data, kwargs = CASES[case]
    if data == "lalonde":
        return propensity_score(_lalonde_X(), ref.lalonde()["treat"], **kwargs)
    if data == "registry_factors":
        return propensity_score(_registry_X(["disease", "centre", "era"]), ref.registry()["treated"])
    return propensity_score(_registry_X(), ref.registry()["treated"], **kwargs)


@pytest.mark.parametrize("case", sorted(CASES))
def test_scores_equal_r_glm(case: str) -> None:
    model = _fit(case)
    expected = ref.scores(case)
    assert model.converged
    # tolerance 1e-6 absolute on probabilities (R's glm stops at a relative deviance change of 1e-8)
    np.testing.assert_allclose(model.scores, expected["score"], rtol=0, atol=1e-6)
    # tolerance 1e-5 absolute on the logit scale
    np.testing.assert_allclose(model.linear_predictor, expected["linear"], rtol=0, atol=1e-5)


def test_linear_model_coefficients_equal_r() -> None:
    model = _fit("lalonde_plain")
    expected = ref.read("coef_lalonde_plain.csv").set_index("term")["estimate"]
    assert list(model.coefficients.index) == list(expected.index)
    # tolerance 1e-6 relative (no splines: the basis is R's own)
    np.testing.assert_allclose(model.coefficients.to_numpy(), expected.to_numpy(), rtol=1e-6, atol=0)


def test_knots_equal_r_ns() -> None:
    model = _fit("lalonde_ns")
    expected = ref.read("knots_lalonde_ns.csv")
    for column in ("age", "educ"):
        # tolerance 1e-12 absolute: R's quantile type 7 and numpy's linear quantile are the same formula
        np.testing.assert_allclose(
            model.knots[column], expected.loc[expected["column"] == column, "knot"], rtol=0, atol=1e-12
        )
    assert set(_fit("registry_ns").knots) == {"age", "edss"}


def test_result_is_frozen() -> None:
    model = _fit("registry_factors")
    with pytest.raises(AttributeError):
        model.converged = False  # type: ignore[misc]
    with pytest.raises(ValueError):
        model.scores[0] = 0.5


# -- errors --------------------------------------------------------------------------------------------------


def test_missing_value_names_column_and_row() -> None:
    X = _registry_X()
    X.loc[7, "edss"] = np.nan
    with pytest.raises(SurvivalInputError, match=r"'edss' has 1 missing value\(s\), first at row 7"):
        propensity_score(X, ref.registry()["treated"])
    X = _registry_X()
    X["disease"] = X["disease"].astype(object)
    X.loc[3, "disease"] = None
    with pytest.raises(SurvivalInputError, match="'disease' has 1 missing"):
        propensity_score(X, ref.registry()["treated"])


def test_constant_column() -> None:
    X = _registry_X()
    X["site"] = "one"
    with pytest.raises(SurvivalInputError, match="'site' is constant"):
        propensity_score(X, ref.registry()["treated"])


def test_treatment_not_zero_one() -> None:
    t = ref.registry()["treated"].to_numpy().copy()
    t[5] = 2
    with pytest.raises(SurvivalInputError, match="row 5 is 2"):
        propensity_score(_registry_X(), t)
    with pytest.raises(SurvivalInputError, match="row 0 is 'A'"):
        propensity_score(_registry_X(), ref.registry()["regimen"].to_numpy())
    with pytest.raises(SurvivalInputError, match="only 0"):
        propensity_score(_registry_X(), np.zeros(len(t)))


def test_perfect_separation_by_a_factor_level() -> None:
    X = _registry_X()
    t = ref.registry()["treated"].to_numpy().copy()
    t[X["centre"] == "C3"] = 1
    with pytest.raises(SurvivalInputError, match="every unit with centreC3 = 1 is treated"):
        propensity_score(X, t)


def test_perfect_separation_by_a_continuous_column() -> None:
    X = _registry_X(["age", "disease"])
    t = (X["age"] > X["age"].median()).astype(int).to_numpy()
    with pytest.raises(SurvivalInputError, match="separation"):
        propensity_score(X, t, spline_columns=[])


def test_coincident_knots_named() -> None:
    # re74 is 0 for over a third of lalonde, so its 1/3 quantile equals its minimum
    with pytest.raises(SurvivalInputError, match="'re74': the natural-spline knots"):
        propensity_score(_lalonde_X(), ref.lalonde()["treat"])


def test_spline_columns_must_be_numeric_columns() -> None:
    with pytest.raises(SurvivalInputError, match="'disease', which is not numeric"):
        propensity_score(_registry_X(), ref.registry()["treated"], spline_columns=["disease"])
    with pytest.raises(SurvivalInputError, match="'weight', which is not a column"):
        propensity_score(_registry_X(), ref.registry()["treated"], spline_columns=["weight"])


# -- weights -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["registry_ns", "lalonde_ns", "registry_factors"])
def test_overlap_weights_balance_model_covariates_exactly(case: str) -> None:
    """Li, Morgan & Zaslavsky (2018): with a logistic model, overlap-weighted covariate means agree."""
    model = _fit(case)
    data, _ = CASES[case]
    if data == "lalonde":
        X, t = _lalonde_X(), ref.lalonde()["treat"]
    elif data == "registry_factors":
        X, t = _registry_X(["disease", "centre", "era"]), ref.registry()["treated"]
    else:
        X, t = _registry_X(), ref.registry()["treated"]
    w = balancing_weights(model.scores, t, estimand="overlap")
    means = weighted_means_by_group(X, t, w.weights)
    scale = 1.0 + means.abs().max(axis=1)
    # tolerance 1e-8 relative to the size of the mean (exact up to the IRLS convergence)
    assert np.all(np.abs(means["treated"] - means["control"]) <= 1e-8 * scale)


def test_ate_weights_recover_population_mean_in_expectation() -> None:
    """With the true scores, each ATE-weighted group mean estimates the population mean (not exactly)."""
    rng = np.random.default_rng(17)
    n = 20000
    x = rng.normal(size=n)
    e = 1.0 / (1.0 + np.exp(-(-0.3 + 0.8 * x)))
    t = (rng.uniform(size=n) < e).astype(int)
    w = balancing_weights(e, t, estimand="ATE").weights
    for group in (1, 0):
        mask = t == group
        estimate = np.sum(w[mask] * x[mask]) / np.sum(w[mask])
        # tolerance: 0.05 absolute, about 3.5 standard errors of the weighted mean at this n; the
        # population mean of x is 0
        assert abs(estimate) < 0.05


def test_weight_formulas_on_hand_values() -> None:
    e = np.array([0.2, 0.5, 0.8, 0.4])
    t = np.array([1, 1, 0, 0])
    # tolerance 1e-15 relative: closed forms
    np.testing.assert_allclose(balancing_weights(e, t).weights, [5.0, 2.0, 5.0, 1 / 0.6], rtol=1e-15)
    np.testing.assert_allclose(
        balancing_weights(e, t, estimand="ATT").weights, [1.0, 1.0, 4.0, 0.4 / 0.6], rtol=1e-15
    )
    np.testing.assert_allclose(
        balancing_weights(e, t, estimand="ATC").weights, [4.0, 1.0, 1.0, 1.0], rtol=1e-15
    )
    np.testing.assert_allclose(
        balancing_weights(e, t, estimand="overlap").weights, [0.8, 0.5, 0.8, 0.4], rtol=1e-15
    )
    stabilised = balancing_weights(e, t, stabilised=True)
    np.testing.assert_allclose(stabilised.weights, [2.5, 1.0, 2.5, 0.5 / 0.6], rtol=1e-15)
    assert "stabilised by the marginal treated proportion p = 0.5" in stabilised.rule
    with pytest.raises(SurvivalInputError, match="not to overlap"):
        balancing_weights(e, t, estimand="overlap", stabilised=True)


def test_trimming_by_fixed_bounds_is_stated() -> None:
    model = _fit("lalonde_plain")
    t = ref.lalonde()["treat"]
    w = balancing_weights(model.scores, t, estimand="ATE", trim=(0.05, 0.95))
    outside = (model.scores < 0.05) | (model.scores > 0.95)
    assert w.n_trimmed == int(outside.sum()) > 0
    assert np.all(w.weights[outside] == 0) and np.all(w.weights[~outside] > 0)
    assert w.trim_bounds == (0.05, 0.95)
    assert f"kept units with 0.05 <= score <= 0.95 ({w.n_trimmed} unit(s) excluded)" in w.rule
    with pytest.raises(SurvivalInputError, match="trim must be"):
        balancing_weights(model.scores, t, trim=(0.9, 0.1))


def test_crump_rule_no_trimming_when_scores_are_moderate() -> None:
    e = np.linspace(0.3, 0.7, 41)
    low, high, _ = crump_bounds(e)
    assert (low, high) == (0.0, 1.0)
    w = balancing_weights(e, (np.arange(41) % 2), trim="crump")
    assert w.n_trimmed == 0 and "alpha = 0" in w.rule


def test_crump_rule_satisfies_its_defining_equation() -> None:
    """Crump et al. (2009), Theorem 1: gamma = 1/(alpha(1-alpha)) solves gamma = 2 E[g | g <= gamma]."""
    rng = np.random.default_rng(2009)
    e = np.clip(rng.beta(0.6, 0.6, size=5000), 1e-4, 1 - 1e-4)
    low, high, gamma = crump_bounds(e)
    g = 1.0 / (e * (1.0 - e))
    assert 0.0 < low < 0.5 < high == pytest.approx(1.0 - low, abs=1e-15)
    # tolerance 2% relative: the sample solution is where the step function crosses, not an exact root
    assert gamma == pytest.approx(2.0 * g[g <= gamma].mean(), rel=0.02)
    t = (rng.uniform(size=e.size) < e).astype(int)
    w = balancing_weights(e, t, trim="crump")
    assert w.n_trimmed == int(np.sum((e < low) | (e > high)))
    assert "Crump et al. (2009)" in w.rule


def test_scores_outside_unit_interval_rejected() -> None:
    with pytest.raises(SurvivalInputError, match=r"row 1 is 1\.0"):
        balancing_weights([0.2, 1.0], [1, 0])


def test_rank_deficient_design_names_the_column() -> None:
    X = _registry_X(["age", "centre"])
    X["age_months"] = 12 * X["age"]
    with pytest.raises(SurvivalInputError, match=r"rank deficient \(columns \['age_months'\]"):
        propensity_score(X, ref.registry()["treated"], spline_columns=[])
