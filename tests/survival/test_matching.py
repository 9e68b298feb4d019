"""Nearest-neighbour matching against R's MatchIt (method = "nearest"), run by make_reference.R."""

from __future__ import annotations

import numpy as np
import pytest

from remission.survival import SurvivalInputError, nearest_neighbour_match, propensity_score
from tests.survival import _propensity_reference as ref

# name: (data, score file, ratio, caliper, order, distance) -- as in make_reference.R
RUNS = {
    "lalonde_r1_largest": ("lalonde", "lalonde_plain", 1, None, "largest", "score"),
    "lalonde_r1_largest_cal": ("lalonde", "lalonde_plain", 1, 0.1, "largest", "score"),
    "lalonde_r2_largest": ("lalonde", "lalonde_plain", 2, None, "largest", "score"),
    "lalonde_r2_largest_cal": ("lalonde", "lalonde_plain", 2, 0.2, "largest", "score"),
    "lalonde_r1_data": ("lalonde", "lalonde_plain", 1, None, "data", "score"),
    "lalonde_r1_data_cal": ("lalonde", "lalonde_plain", 1, 0.1, "data", "score"),
    "lalonde_r2_data_cal": ("lalonde", "lalonde_plain", 2, 0.2, "data", "score"),
    "lalonde_r1_smallest": ("lalonde", "lalonde_plain", 1, None, "smallest", "score"),
    "lalonde_logit_r1_largest_cal": ("lalonde", "lalonde_plain", 1, 0.2, "largest", "logit"),
    "registry_r1_largest": ("registry", "registry_ns", 1, None, "largest", "score"),
    "registry_r2_largest_cal": ("registry", "registry_ns", 2, 0.25, "largest", "score"),
    "registry_r1_data_cal": ("registry", "registry_ns", 1, 0.2, "data", "score"),
    # factor-only model: many exactly tied scores, so these pin down the tie-breaking
    "registry_ties_r1_largest": ("registry", "registry_factors", 1, None, "largest", "score"),
    "registry_ties_r2_data": ("registry", "registry_factors", 2, None, "data", "score"),
    "registry_ties_r1_largest_cal": ("registry", "registry_factors", 1, 0.05, "largest", "score"),
    # with replacement
    "lalonde_replace_r1": ("lalonde", "lalonde_plain", 1, None, "largest", "score"),
    "lalonde_replace_r1_cal": ("lalonde", "lalonde_plain", 1, 0.1, "largest", "score"),
}


def _treated(data: str) -> np.ndarray:
    return (ref.lalonde()["treat"] if data == "lalonde" else ref.registry()["treated"]).to_numpy()


def _match(name: str):
    data, scores, ratio, caliper, order, distance = RUNS[name]
    return nearest_neighbour_match(
        ref.scores(scores)["score"],
        _treated(data),
        ratio=ratio,
        caliper=caliper,
        order=order,
        distance=distance,
        replace="replace" in name,
    )


@pytest.mark.parametrize("name", sorted(RUNS))
def test_matched_sets_equal_matchit(name: str) -> None:
    result = _match(name)
    expected = ref.matched_sets(name)
    # exact: the same controls for every treated unit, in the same rounds
    assert result.matched_sets() == expected
    assert result.n_unmatched_treated == ref.n_treated_in(name) - len(expected)


@pytest.mark.parametrize("name", sorted(RUNS))
def test_weights_equal_matchit(name: str) -> None:
    # tolerance 1e-12 absolute: sums of 1/k rescaled
    np.testing.assert_allclose(_match(name).weights, ref.weights(name), rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", [n for n, run in RUNS.items() if run[3] is not None])
def test_caliper_scaled_as_matchit(name: str) -> None:
    result = _match(name)
    assert result.caliper is not None
    # tolerance 1e-12 relative: caliper x SD (n - 1) of the distance over all units
    assert result.caliper == pytest.approx(ref.caliper(name), rel=1e-12)
    gaps = np.abs(result.distance[result.treated_index] - result.distance[result.control_index])
    assert np.all(gaps <= result.caliper)


def test_ties_exist_in_the_tie_breaking_runs() -> None:
    scores = ref.scores("registry_factors")["score"].to_numpy()
    assert np.unique(scores).size < scores.size / 3  # the runs above really exercise ties


def test_end_to_end_with_our_fitted_scores() -> None:
    """distance = "glm" in MatchIt: our own glm fit gives the same matched sets."""
    data = ref.lalonde()
    model = propensity_score(data[ref.LALONDE_COVARIATES], data["treat"], spline_columns=[])
    for name in ("lalonde_r1_largest", "lalonde_r2_largest_cal", "lalonde_r1_data_cal"):
        _, _, ratio, caliper, order, distance = RUNS[name]
        result = nearest_neighbour_match(
            model.scores, data["treat"], ratio=ratio, caliper=caliper, order=order, distance=distance
        )
        assert result.matched_sets() == ref.matched_sets(name)


def test_structure_without_replacement() -> None:
    result = _match("lalonde_r2_largest_cal")
    assert len(set(result.control_index.tolist())) == result.control_index.size  # no control reused
    treated = _treated("lalonde")
    assert np.all(treated[result.treated_index] == 1) and np.all(treated[result.control_index] == 0)
    # one subclass per matched treated unit, numbered in row order
    first = {}
    for t, s in zip(result.treated_index.tolist(), result.subclass.tolist(), strict=True):
        assert first.setdefault(t, s) == s
    assert list(first.values()) == list(range(1, len(first) + 1))
    assert "caliper 0.2 SD of the distance" in result.rule
    assert f"{result.n_unmatched_treated} treated unit(s) unmatched" in result.rule


def test_with_replacement_each_treated_takes_its_nearest_control() -> None:
    score = ref.scores("registry_ns")["score"].to_numpy()
    treated = _treated("registry")
    result = nearest_neighbour_match(score, treated, replace=True)
    controls = np.flatnonzero(treated == 0)
    for t, c in zip(result.treated_index.tolist(), result.control_index.tolist(), strict=True):
        best = np.min(np.abs(score[controls] - score[t]))
        assert abs(score[c] - score[t]) == best  # exact: the control chosen is a nearest one
    assert result.n_unmatched_treated == 0
    assert len(set(result.control_index.tolist())) < result.control_index.size  # some reuse here


def test_invalid_arguments() -> None:
    score, treated = [0.2, 0.4, 0.6, 0.7], [0, 1, 0, 1]
    with pytest.raises(SurvivalInputError, match="ratio must be a whole number"):
        nearest_neighbour_match(score, treated, ratio=0)
    with pytest.raises(SurvivalInputError, match="caliper must be a positive"):
        nearest_neighbour_match(score, treated, caliper=-0.1)
    with pytest.raises(SurvivalInputError, match="order must be one of"):
        nearest_neighbour_match(score, treated, order="random")
    with pytest.raises(SurvivalInputError, match="treated must be 0 or 1"):
        nearest_neighbour_match(score, [0, 1, 2, 1])
