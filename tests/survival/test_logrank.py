"""Log-rank and Fleming-Harrington tests: against R ``survival::survdiff``, then regression checks."""

from __future__ import annotations

import numpy as np
import pytest

from remission.survival import logrank_test
from remission.survival.validation import TOO_FEW_GROUPS, SurvivalInputError
from tests.survival._nonparametric_reference import RTOL, assert_matches, read

# case -> (data file, group column, strata column or None, rho)
CASES: dict[str, tuple[str, str, str | None, float]] = {
    "lung_sex": ("data_lung.csv", "sex", None, 0.0),
    "lung_sex_rho1": ("data_lung.csv", "sex", None, 1.0),
    "lung_sex_strata_ecog": ("data_lung.csv", "sex", "ecog", 0.0),
    "veteran_celltype_strata_trt": ("data_veteran.csv", "celltype", "trt", 0.0),
    "ovarian_rx": ("data_ovarian.csv", "rx", None, 0.0),
    "ties_group": ("km_ties.csv", "group", None, 0.0),
    "ties_group_strata_rho05": ("km_ties.csv", "group", "stratum", 0.5),
    "censored_group": ("censored_group.csv", "group", None, 0.0),
}


# R: survdiff(Surv(time, event) ~ group [+ strata(s)], rho = rho): $chisq, $pvalue, $var, and $obs /
# $exp summed over strata (rowSums). See make_reference.R, "log-rank and G-rho".
@pytest.mark.parametrize("case", list(CASES))
def test_logrank_matches_r_survdiff(case: str) -> None:
    source, group, strata, rho = CASES[case]
    data = read(source)
    ref = read(f"ref_logrank_{case}.csv")
    result = logrank_test(
        data["time"], data["event"], data[group], strata=None if strata is None else data[strata], rho=rho
    )
    # R orders groups by its factor levels; match rows by label
    labels = [str(g) for g in result.groups]
    order = [labels.index(str(g)) for g in ref["group"]]
    assert_matches(result.statistic, ref["chisq"].iloc[0], rtol=RTOL)
    assert result.df == ref["df"].iloc[0]
    assert_matches(result.p_value, ref["p"].iloc[0], rtol=RTOL)
    assert_matches(result.n[order], ref["n"], rtol=0)
    assert_matches(result.observed[order], ref["observed"], rtol=RTOL)
    assert_matches(result.expected[order], ref["expected"], rtol=RTOL)
    variance = ref[[c for c in ref.columns if c.startswith("var_")]].to_numpy()
    assert_matches(result.variance[np.ix_(order, order)], variance, rtol=RTOL)


def test_logrank_two_groups_hand_example() -> None:
    # group A: 1, 3 (events); group B: 2 (event), 4 (censored).
    # t=1: n=4 (2 A), d=1 -> E_A = 1/2, V = 1*3/3*(1/2)(1/2) = 1/4
    # t=2: n=3 (1 A), d=1 -> E_A = 1/3, V = 1*2/2*(1/3)(2/3) = 2/9
    # t=3: n=2 (1 A), d=1 -> E_A = 1/2, V = 1*1/1*(1/2)(1/2) = 1/4
    result = logrank_test([1, 3, 2, 4], [1, 1, 1, 0], ["A", "A", "B", "B"])
    o_minus_e = 2 - (1 / 2 + 1 / 3 + 1 / 2)
    v = 1 / 4 + 2 / 9 + 1 / 4
    assert_matches(result.statistic, o_minus_e**2 / v, rtol=1e-12)
    assert result.df == 1


def test_logrank_is_invariant_to_row_order() -> None:
    data = read("km_ties.csv")
    perm = np.random.default_rng(3).permutation(len(data))
    a = logrank_test(data["time"], data["event"], data["group"], strata=data["stratum"], rho=0.5)
    b = logrank_test(
        data["time"].to_numpy()[perm],
        data["event"].to_numpy()[perm],
        data["group"].to_numpy()[perm],
        strata=data["stratum"].to_numpy()[perm],
        rho=0.5,
    )
    assert_matches(a.statistic, b.statistic, rtol=1e-12)
    assert_matches(a.variance, b.variance, rtol=1e-12, atol=1e-12)


def test_logrank_needs_two_groups() -> None:
    with pytest.raises(SurvivalInputError) as raised:
        logrank_test([1, 2, 3], [1, 0, 1], ["a", "a", "a"])
    assert str(raised.value) == TOO_FEW_GROUPS.format(name="group", count=1)


def test_logrank_to_frame() -> None:
    frame = logrank_test([1, 3, 2, 4], [1, 1, 1, 0], ["A", "A", "B", "B"]).to_frame()
    assert frame["group"].tolist() == ["A", "B"]
    assert frame["observed"].tolist() == [2.0, 1.0]
