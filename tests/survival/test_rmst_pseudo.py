"""RMST and jackknife pseudo-values: against R, then exact properties."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from remission.survival import pseudo_values, rmst
from remission.survival.validation import BAD_TAU, UNKNOWN_CAUSE, SurvivalInputError
from tests.survival._nonparametric_reference import RTOL, assert_matches, read


# R: summary(survfit(Surv(time, event) ~ group), rmean = tau)$table[, c("rmean", "se(rmean)")].
@pytest.mark.parametrize(
    ("case", "source", "group", "tau"),
    [("lung_sex", "data_lung.csv", "sex", 500.0), ("aml_group", "data_aml.csv", "group", 40.0)],
)
def test_rmst_by_group_matches_r_print_survfit(case: str, source: str, group: str, tau: float) -> None:
    data = read(source)
    ref = read("ref_rmst_groups.csv")
    ref = ref[ref["case"] == case]
    result = rmst(data["time"], data["event"], tau, group=data[group])
    assert [str(g) for g in result.groups] == [str(g) for g in ref["group"]]
    assert_matches(result.estimate, ref["rmean"], rtol=RTOL)
    assert_matches(result.std_err, ref["se_rmean"], rtol=RTOL)
    # the difference of independent groups, from R's two rows
    expected = ref["rmean"].iloc[1] - ref["rmean"].iloc[0]
    expected_se = float(np.hypot(*ref["se_rmean"]))
    assert_matches(result.difference, expected, rtol=RTOL)
    assert_matches(result.difference_std_err, expected_se, rtol=RTOL)
    assert_matches(result.difference_p_value, 2 * norm.sf(abs(expected) / expected_se), rtol=RTOL)


# R: n * theta(full) - (n - 1) * theta(without row i), theta from survfit (survival) or cuminc (cause k),
# with explicit leave-one-out refits; curves read as right-continuous steps carried flat after their end.
@pytest.mark.parametrize(
    ("case", "source", "status", "cause"),
    [
        ("small_surv", "pseudo_small.csv", "cause", None),
        ("small_cif1", "pseudo_small.csv", "cause", 1),
        ("small_cif2", "pseudo_small.csv", "cause", 2),
        ("aml_surv", "data_aml.csv", "event", None),
    ],
)
def test_pseudo_values_match_r_leave_one_out(case: str, source: str, status: str, cause: int | None) -> None:
    data = read(source)
    ref = read("ref_pseudo.csv")
    ref = ref[ref["case"] == case]
    expected = ref.pivot(index="row", columns="time", values="pseudo")
    result = pseudo_values(data["time"], data[status], expected.columns.to_numpy(), cause=cause)
    # absolute tolerance: pseudo-values are differences of O(n) numbers, R prints 15 significant digits
    assert_matches(result.values, expected.to_numpy(), rtol=RTOL, atol=1e-9)


def test_pseudo_values_without_censoring_are_indicators() -> None:
    # with no censoring the jackknife of the empirical survival function is exactly 1(T_i > t),
    # and of the empirical cumulative incidence exactly 1(T_i <= t, cause_i = k)
    time = np.array([1.0, 2.0, 2.0, 3.0, 5.0, 5.0, 8.0])
    cause = np.array([1, 2, 1, 1, 2, 2, 1])
    times = np.array([0.5, 2.0, 4.0, 5.0, 9.0])
    survival = pseudo_values(time, cause, times)
    assert_matches(survival.values, (time[:, None] > times[None, :]).astype(float), rtol=0, atol=1e-12)
    incidence = pseudo_values(time, cause, times, cause=2)
    expected = ((time[:, None] <= times[None, :]) & (cause[:, None] == 2)).astype(float)
    assert_matches(incidence.values, expected, rtol=0, atol=1e-12)


def test_pseudo_values_to_frame_is_long() -> None:
    result = pseudo_values([1, 2, 3], [1, 0, 1], [1.5, 2.5])
    frame = result.to_frame()
    assert frame.shape == (6, 3)
    assert frame["row"].tolist() == [0, 0, 1, 1, 2, 2]


def test_pseudo_values_unknown_cause() -> None:
    with pytest.raises(SurvivalInputError) as raised:
        pseudo_values([1, 2, 3], [1, 0, 1], [2.0], cause=2)
    assert str(raised.value) == UNKNOWN_CAUSE.format(value=2, present=[1])


def test_rmst_rejects_non_positive_tau() -> None:
    with pytest.raises(SurvivalInputError) as raised:
        rmst([1, 2, 3], [1, 0, 1], 0.0)
    assert str(raised.value) == BAD_TAU.format(value=0.0)


def test_rmst_hand_example() -> None:
    # times 1 (event, 2 at risk) and 3 (censored): S = 1 on [0, 1), 1/2 on [1, 3)
    # area to tau=2: 1*1 + 1*(1/2) = 1.5; SE: A_1 = 0.5 (area after t=1), d/(n(n-d)) = 1/2 -> sqrt(0.125)
    result = rmst([1.0, 3.0], [1, 0], 2.0)
    assert_matches(result.estimate, [1.5], rtol=1e-15)
    assert_matches(result.std_err, [np.sqrt(0.125)], rtol=1e-15)
    assert result.difference is None
