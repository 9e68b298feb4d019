"""Regimen comparisons as emulated target trials (remission.analysis.comparison) against R.

Expected values: tests/reference/comparison/make_reference.R on data_comparison.csv (make_dataset.py): the
eligibility rule, glm(binomial) with splines::ns scores, the weights of three protocols, coxph(weights,
robust = TRUE) and survfit(weights, id) state probabilities with their infinitesimal-jackknife standard
errors — written in R from the rule, not from this code.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from remission.analysis.comparison import ComparisonProtocol, compare, eligible

HERE = Path(__file__).resolve().parent.parent / "reference" / "comparison"
PROTOCOLS = {
    "ate_stabilised": ComparisonProtocol(
        by="regimen", treatment="cy200_ratg", comparator="beam_atg", disease="ms"
    ),
    "overlap": ComparisonProtocol(
        by="regimen", treatment="cy200_ratg", comparator="beam_atg", disease="ms", estimand="overlap"
    ),
    "att_trimmed": ComparisonProtocol(
        by="regimen", treatment="cy200_ratg", comparator="beam_atg", disease="ms", estimand="ATT",
        trim=(0.05, 0.95),
    ),
}  # fmt: skip


def _frame() -> pd.DataFrame:
    frame = pd.read_csv(HERE / "data_comparison.csv", keep_default_na=False, na_values=["NA", "nan", ""])
    frame["subtype"] = frame["subtype"].fillna("")
    return frame


@pytest.fixture(scope="module")
def results() -> dict:
    frame = _frame()
    return {name: compare(frame, protocol) for name, protocol in PROTOCOLS.items()}


@pytest.fixture(scope="module")
def scores() -> pd.DataFrame:
    return pd.read_csv(HERE / "expected_scores.csv").set_index("registry_id")


def test_eligible_rows_are_rs(results: dict, scores: pd.DataFrame) -> None:
    rows = results["ate_stabilised"].rows
    assert sorted(rows["registry_id"]) == sorted(scores.index)  # the same patients, exactly


def test_left_out_counts_by_reason(results: dict) -> None:
    frame = _frame()
    left_out = {str(reason): n for reason, n in results["ate_stabilised"].left_out}
    assert left_out["another disease than ms"] == int((frame["disease"] != "ms").sum())
    ms = frame[frame["disease"] == "ms"]
    assert left_out["another regimen"] == int((~ms["regimen"].isin(["cy200_ratg", "beam_atg"])).sum())
    eligible_ms = ms[ms["regimen"].isin(["cy200_ratg", "beam_atg"])]
    assert left_out["HCT-CI not recorded"] == int(eligible_ms["hct_ci"].isna().sum())


@pytest.mark.parametrize("name", list(PROTOCOLS))
def test_scores_and_weights_equal_r(results: dict, scores: pd.DataFrame, name: str) -> None:
    rows = results[name].rows.set_index("registry_id")
    expected = scores.loc[rows.index]
    # glm stops at a relative deviance change of 1e-14 here: scores to 1e-8 (absolute)
    np.testing.assert_allclose(rows["score"], expected["score"], rtol=0, atol=1e-8)
    # weights are ratios of the scores: 1e-6 relative
    np.testing.assert_allclose(rows["weight"], expected[f"weight_{name}"], rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("name", list(PROTOCOLS))
def test_weighted_cox_equals_coxph_robust(results: dict, name: str) -> None:
    expected = pd.read_csv(HERE / "expected_effects.csv")
    expected = expected[expected["protocol"] == name].set_index("endpoint")
    got = results[name].effects
    got = got[got["model"] == "weighted Cox"].set_index("endpoint")
    assert list(got.index) == ["OS", "PFS"]
    for column in ("hazard_ratio", "lower", "upper", "p_value"):
        # tolerance 1e-6 relative (the Newton-Raphson of both stops far below it)
        np.testing.assert_allclose(got[column], expected.loc[got.index, column], rtol=1e-6, err_msg=column)


@pytest.mark.parametrize("name", list(PROTOCOLS))
def test_weighted_curves_equal_survfit(results: dict, name: str) -> None:
    expected = pd.read_csv(HERE / "expected_curves.csv")
    expected = expected[expected["protocol"] == name]
    got = results[name].curves
    merged = expected.merge(got, on=["group", "endpoint", "time_days"], suffixes=("_r", ""))
    assert len(merged) == len(expected) == len(got)
    # tolerance 1e-6 (absolute) on the probabilities and their standard errors
    np.testing.assert_allclose(merged["estimate"], merged["estimate_r"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(merged["std_err"], merged["std_err_r"], rtol=0, atol=1e-6)


def test_overlap_weights_balance_the_model_covariates_exactly(results: dict) -> None:
    """Li, Morgan & Zaslavsky (2018): with a logistic score, overlap weights give equal weighted means of
    every term of the model; the balance table's linear terms show it (to 1e-8)."""
    balance = results["overlap"].balance
    linear = [t for t in balance.index if not str(t).startswith("age'")]
    np.testing.assert_allclose(balance.loc[linear, "smd_after"], 0.0, atol=1e-8)


def test_matching_gives_att_and_clusters_on_matched_sets() -> None:
    protocol = ComparisonProtocol(
        by="regimen", treatment="cy200_ratg", comparator="beam_atg", disease="ms", method="matching"
    )
    result = compare(_frame(), protocol)
    rows = result.rows
    matched = rows[rows["weight"] > 0]
    treated = matched[matched["treated"] == 1]
    # 1:1 without replacement: each matched set holds one treated and one control patient
    sizes = matched.groupby("subclass")["treated"].agg(["sum", "count"])
    assert (sizes["sum"] == 1).all() and (sizes["count"] == 2).all()
    assert len(treated) == len(sizes)
    assert protocol.contrast == "ATT"
    assert set(result.effects["variance"]) >= {"robust (sandwich), clustered on the matched set"}


def test_a_level_not_in_the_cohort_is_refused() -> None:
    protocol = ComparisonProtocol(by="regimen", treatment="cy200_ratg", comparator="bu_cy", disease="ms")
    with pytest.raises(ValueError, match="'bu_cy' is not in the cohort"):
        eligible(_frame(), protocol)


def test_protocol_is_written_out() -> None:
    parts = {str(k): str(v) for k, v in PROTOCOLS["att_trimmed"].sections("MS", "Cy 200 + ATG", "BEAM + ATG")}
    assert list(parts) == [
        "Eligibility", "Treatment strategies", "Assignment", "Time zero", "Outcomes", "Causal contrast",
    ]  # fmt: skip
    assert "(ATT)" in parts["Causal contrast"]
    assert "trimmed ((0.05, 0.95))" in parts["Assignment"]


def test_step_curves_pass_through_the_time_points(results: dict) -> None:
    """The step curves (every event time, from day 0) read at the time points are the estimates there."""
    result = results["ate_stabilised"]
    steps, points = result.steps, result.curves
    for (endpoint, group), curve in steps.groupby(["endpoint", "group"]):
        mine = points[(points["endpoint"] == endpoint) & (points["group"] == group)]
        time = curve["time_days"].to_numpy()
        index = np.searchsorted(time, mine["time_days"].to_numpy(), side="right") - 1
        np.testing.assert_allclose(curve["estimate"].to_numpy()[index], mine["estimate"], atol=1e-15)
        start = 1.0 if endpoint in ("OS", "PFS") else 0.0
        assert curve["estimate"].iloc[0] == start and time[0] == 0.0
