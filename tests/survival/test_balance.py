"""Balance tables against R's summary(matchit) (ATT: SD of the treated group), and their definitions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from remission.survival import (
    SurvivalInputError,
    balance_table,
    balancing_weights,
    nearest_neighbour_match,
    weighted_means_by_group,
)
from tests.survival import _propensity_reference as ref

SUMMARIES = {
    # name: (data, score file, distance column written by R's summary)
    "lalonde_r1_largest": ("lalonde", "lalonde_plain", "score"),
    "lalonde_r1_largest_cal": ("lalonde", "lalonde_plain", "score"),
    "lalonde_r2_largest": ("lalonde", "lalonde_plain", "score"),
    "lalonde_r2_largest_cal": ("lalonde", "lalonde_plain", "score"),
    "lalonde_r1_data": ("lalonde", "lalonde_plain", "score"),
    "lalonde_r1_data_cal": ("lalonde", "lalonde_plain", "score"),
    "lalonde_r2_data_cal": ("lalonde", "lalonde_plain", "score"),
    "lalonde_r1_smallest": ("lalonde", "lalonde_plain", "score"),
    "lalonde_logit_r1_largest_cal": ("lalonde", "lalonde_plain", "linear"),
    "lalonde_replace_r1": ("lalonde", "lalonde_plain", "score"),
    "lalonde_replace_r1_cal": ("lalonde", "lalonde_plain", "score"),
    "registry_r1_largest": ("registry", "registry_ns", "score"),
    "registry_r2_largest_cal": ("registry", "registry_ns", "score"),
    "registry_r1_data_cal": ("registry", "registry_ns", "score"),
}
COLUMNS = ("mean_treated", "mean_control", "smd", "var_ratio")


def _inputs(name: str) -> tuple[pd.DataFrame, np.ndarray]:
    data, scores, distance = SUMMARIES[name]
    if data == "lalonde":
        frame, covariates, treated = ref.lalonde(), ref.LALONDE_COVARIATES, "treat"
    else:
        frame, covariates, treated = ref.registry(), ref.REGISTRY_COVARIATES, "treated"
    X = frame[covariates].copy()
    X.insert(0, "distance", ref.scores(scores)[distance].to_numpy())  # summary() puts the distance first
    return X, frame[treated].to_numpy()


@pytest.mark.parametrize("name", sorted(SUMMARIES))
def test_balance_equals_summary_matchit(name: str) -> None:
    X, treated = _inputs(name)
    table = balance_table(X, treated, ref.weights(name), sd_denominator="treated")
    expected = ref.read(f"summary_{name}.csv")
    for when, suffix in (("all", "before"), ("matched", "after")):
        rows = expected[expected["when"] == when].set_index("term")
        assert list(table.index) == list(rows.index)
        for column in COLUMNS:
            got = table[f"{column}_{suffix}"].to_numpy(dtype=float)
            want = rows[column].to_numpy(dtype=float)
            assert np.array_equal(np.isnan(got), np.isnan(want))  # var ratio absent for 0/1 terms, as R
            # tolerance 1e-6 relative (+1e-9 absolute for values near 0)
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9, err_msg=f"{when} {column}")


def test_weights_may_be_a_matching_result() -> None:
    X, treated = _inputs("registry_r1_largest")
    matching = nearest_neighbour_match(ref.scores("registry_ns")["score"], treated)
    from_result = balance_table(X, treated, matching, sd_denominator="treated")
    from_array = balance_table(X, treated, matching.weights, sd_denominator="treated")
    pd.testing.assert_frame_equal(from_result, from_array)


def test_pooled_and_control_denominators() -> None:
    X = pd.DataFrame({"x": [1.0, 2.0, 4.0, 3.0, 5.0, 9.0], "f": ["a", "b", "a", "b", "b", "a"]})
    treated = np.array([1, 1, 1, 0, 0, 0])
    x1, x0 = X["x"][:3], X["x"][3:]
    pooled = balance_table(X, treated)
    control = balance_table(X, treated, sd_denominator="control")
    diff = x1.mean() - x0.mean()
    # tolerance 1e-14 relative: closed forms with the n - 1 variance; 0/1 levels use p(1 - p)
    assert pooled.loc["x", "smd_before"] == pytest.approx(
        diff / np.sqrt((x1.var() + x0.var()) / 2), rel=1e-14
    )
    assert control.loc["x", "smd_before"] == pytest.approx(diff / x0.std(), rel=1e-14)
    p1, p0 = 2 / 3, 1 / 3  # proportion of level "a"
    assert pooled.loc["fa", "smd_before"] == pytest.approx(
        (p1 - p0) / np.sqrt((p1 * (1 - p1) + p0 * (1 - p0)) / 2), rel=1e-14
    )
    assert pooled.loc["x", "var_ratio_before"] == pytest.approx(x1.var() / x0.var(), rel=1e-14)
    assert np.isnan(pooled.loc["fb", "var_ratio_before"])
    assert "smd_after" not in pooled.columns


def test_overlap_weighted_balance_table_shows_zero_differences() -> None:
    from remission.survival import propensity_score

    data = ref.registry()
    X = data[ref.REGISTRY_COVARIATES]
    model = propensity_score(X, data["treated"])
    w = balancing_weights(model.scores, data["treated"], estimand="overlap")
    table = balance_table(X, data["treated"], w)
    # tolerance 1e-8: exact balance of the model covariates (Li, Morgan & Zaslavsky 2018)
    assert np.all(np.abs(table["smd_after"]) < 1e-8)
    assert np.any(np.abs(table["smd_before"]) > 0.1)


def test_weighted_means_by_group() -> None:
    X = pd.DataFrame({"x": [1.0, 3.0, 2.0, 6.0], "g": pd.Categorical(["u", "v", "v", "v"])})
    means = weighted_means_by_group(X, [1, 1, 0, 0], [1.0, 3.0, 2.0, 2.0])
    # tolerance 1e-15 relative: closed forms
    assert means.loc["x", "treated"] == pytest.approx((1 + 9) / 4, rel=1e-15)
    assert means.loc["x", "control"] == pytest.approx(4.0, rel=1e-15)
    assert means.loc["gu", "treated"] == pytest.approx(0.25, rel=1e-15)
    assert means.loc["gv", "control"] == pytest.approx(1.0, rel=1e-15)


def test_invalid_weights() -> None:
    X = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(SurvivalInputError, match="row 2"):
        balance_table(X, [1, 0, 1, 0], [1.0, 1.0, -1.0, 1.0])
    with pytest.raises(SurvivalInputError, match="all zero among the treated"):
        balance_table(X, [1, 0, 1, 0], [0.0, 1.0, 0.0, 1.0])
    with pytest.raises(SurvivalInputError, match="weights has 3 rows"):
        weighted_means_by_group(X, [1, 0, 1, 0], [1.0, 1.0, 1.0])
