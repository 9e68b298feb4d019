"""Aalen-Johansen cumulative incidence and Gray's test: against R ``cmprsk`` 2.2 and ``survival`` 3.5."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from remission.survival import aalen_johansen, gray_test
from remission.survival.validation import UNKNOWN_CAUSE, SurvivalInputError
from tests.survival._nonparametric_reference import RTOL, assert_matches, read

# case -> (data file, group column or None, strata column or None, rho)
CASES: dict[str, tuple[str, str | None, str | None, float]] = {
    "competing": ("competing.csv", "group", None, 0.0),
    "competing_overall": ("competing.csv", None, None, 0.0),
    "competing_strata": ("competing.csv", "group", "stratum", 0.0),
    "competing_rho1": ("competing.csv", "group", None, 1.0),
    "censored_group": ("censored_group.csv", "group", None, 0.0),
    "melanoma_sex": ("data_melanoma.csv", "sex", None, 0.0),
    "melanoma_sex_strata_ulcer": ("data_melanoma.csv", "sex", "ulcer", 0.0),
    "mgus2_sex": ("data_mgus2.csv", "sex", None, 0.0),
}


# R: timepoints(cuminc(time, cause, group), sort(unique(time))) -> $est and $var for every "group cause"
# curve. See make_reference.R, "cumulative incidence".
@pytest.mark.parametrize("case", list(CASES))
def test_aalen_johansen_matches_r_cmprsk_cuminc(case: str) -> None:
    source, group, _, _ = CASES[case]
    data = read(source)
    ref = read(f"ref_cuminc_{case}.csv")
    labels = pd.Series("1", index=data.index) if group is None else data[group].astype(str)
    for (label, cause), curve in ref.groupby(["group", "cause"]):
        rows = (labels == str(label)).to_numpy()
        fit = aalen_johansen(data["time"][rows], data["cause"][rows])
        if cause not in fit.causes:  # a group with no event of this cause: cuminc's curve is 0
            assert_matches(curve["est"].dropna(), 0.0, rtol=0)
            continue
        # timepoints() gives NA after the group's last time; we carry the curve flat there
        missing = curve["est"].isna().to_numpy()
        assert (curve["time"][missing] > fit.time[-1]).all()
        curve = curve[~missing]
        points = fit.at(curve["time"].to_numpy(), int(cause))
        assert_matches(points.estimate, curve["est"], rtol=RTOL)
        assert_matches(points.std_err**2, curve["var"], rtol=RTOL)


# R: cuminc(time, cause, group, strata, rho)$Tests -> stat, pv, df per cause.
@pytest.mark.parametrize("case", [c for c, spec in CASES.items() if spec[1] is not None])
def test_gray_test_matches_r_cmprsk_cuminc_tests(case: str) -> None:
    source, group, strata, rho = CASES[case]
    data = read(source)
    ref = read(f"ref_gray_{case}.csv")
    result = gray_test(
        data["time"], data["cause"], data[group], strata=None if strata is None else data[strata], rho=rho
    )
    assert result.causes.tolist() == ref["cause"].tolist()
    assert_matches(result.statistic, ref["stat"], rtol=RTOL)
    assert_matches(result.p_value, ref["pv"], rtol=RTOL)
    assert result.df == ref["df"].iloc[0]


# R: survfit(Surv(time, factor(cause)) ~ 1) and survfit(Surv(entry, time, factor(cause)) ~ 1, id = id):
# $pstate (the Aalen-Johansen estimate; survfit's multi-state code, independent of cmprsk) and $n.risk.
@pytest.mark.parametrize("reference", ["ref_aj_survfit.csv", "ref_aj_survfit_entry.csv"])
def test_aalen_johansen_matches_r_survfit_multistate(reference: str) -> None:
    data = read("competing.csv")
    ref = read(reference)
    entry = data["entry"] if reference.endswith("entry.csv") else None
    fit = aalen_johansen(data["time"], data["cause"], entry=entry)
    times = ref["time"].to_numpy()
    assert_matches(fit.at(times, 1).estimate, ref["cause1"], rtol=RTOL)
    assert_matches(fit.at(times, 2).estimate, ref["cause2"], rtol=RTOL)
    position = np.searchsorted(fit.time, times)
    assert_matches(fit.survival[position], ref["surv"], rtol=RTOL)
    assert_matches(fit.n_risk[position], ref["n_risk"], rtol=0)


# ---- regression tests


def test_aalen_johansen_hand_example_with_tie_across_causes() -> None:
    # t=1: n=4, one cause 1 and one cause 2 -> F1 = F2 = 1/4, S = 1/2
    # t=2: n=2, one cause 1 -> F1 = 1/4 + 1/2 * 1/2 = 1/2, S = 1/4; t=3 censored
    fit = aalen_johansen([1, 1, 2, 3], [1, 2, 1, 0])
    assert_matches(fit.at([1, 2, 3], 1).estimate, [0.25, 0.5, 0.5], rtol=1e-15)
    assert_matches(fit.at([1, 2, 3], 2).estimate, [0.25, 0.25, 0.25], rtol=1e-15)


def test_aalen_johansen_at_unknown_cause_raises() -> None:
    fit = aalen_johansen([1, 2, 3], [1, 0, 1])
    with pytest.raises(SurvivalInputError) as raised:
        fit.at([1.0], 2)
    assert str(raised.value) == UNKNOWN_CAUSE.format(value=2, present=[1])


def test_aalen_johansen_to_frame_is_long() -> None:
    fit = aalen_johansen([1, 1, 2, 3], [1, 2, 1, 0])
    frame = fit.to_frame()
    assert len(frame) == 2 * 3
    assert frame.groupby("cause")["n_event"].sum().to_dict() == {1: 2.0, 2: 1.0}


def test_aalen_johansen_non_consecutive_cause_codes() -> None:
    fit = aalen_johansen([1, 2, 3, 4], [3, 1, 0, 3])
    assert fit.causes.tolist() == [1, 3]
    assert_matches(fit.at([4.0], 3).estimate, [0.25 + 0.5 * 1.0], rtol=1e-15)  # S(3)=1/2, one of one at 4


def test_gray_test_singular_variance_gives_nan() -> None:
    # group b leaves (censored at 0.5) before any event, so its score and variance are exactly 0;
    # R: cuminc(c(1,2,3,.5,.5), c(1,1,0,0,0), c("a","a","a","b","b"))$Tests gives stat -1, pv 1
    result = gray_test([1, 2, 3, 0.5, 0.5], [1, 1, 0, 0, 0], ["a", "a", "a", "b", "b"])
    assert result.variance[0, 0, 0] == 0.0
    assert np.isnan(result.statistic[0]) and np.isnan(result.p_value[0])
