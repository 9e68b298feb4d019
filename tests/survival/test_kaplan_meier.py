"""Kaplan-Meier and Nelson-Aalen: against R ``survival`` 3.5, then regression checks of the API."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from remission.survival import kaplan_meier, nelson_aalen
from tests.survival._nonparametric_reference import RTOL, assert_matches, read

# case name in the reference files -> (data file, keyword arguments built from the data)
KM_CASES: dict[str, str] = {
    "lung": "data_lung.csv",
    "aml": "data_aml.csv",
    "aml_beyond": "data_aml.csv",
    "veteran": "data_veteran.csv",
    "ovarian": "data_ovarian.csv",
    "ties": "km_ties.csv",
    "ties_weighted": "km_ties.csv",
    "ties_entry": "km_ties.csv",
    "no_ties": "km_no_ties.csv",
    "half": "km_half.csv",
}
CONF_SUFFIX = {"plain": "plain", "log": "log", "log-log": "loglog"}


def _options(case: str, data: pd.DataFrame) -> dict[str, object]:
    if case == "ties_weighted":
        return {"weights": data["weight"]}
    if case == "ties_entry":
        return {"entry": data["entry"]}
    return {}


def _fit(case: str, conf_type: str = "log-log"):
    data = read(KM_CASES[case])
    return kaplan_meier(data["time"], data["event"], conf_type=conf_type, **_options(case, data))


# R: survfit(Surv(time, event) ~ 1, conf.type = ...) (Surv(entry, time, event) for ties_entry;
# weights = weight, robust = FALSE for ties_weighted); columns time, n.risk, n.event, n.censor, surv,
# std.err (SE of log S), lower, upper. See make_reference.R, "Kaplan-Meier and Nelson-Aalen".
@pytest.mark.parametrize("conf_type", ["plain", "log", "log-log"])
@pytest.mark.parametrize("case", list(KM_CASES))
def test_km_matches_r_survfit(case: str, conf_type: str) -> None:
    ref = read(f"ref_km_{case}.csv")
    fit = _fit(case, conf_type)
    assert_matches(fit.time, ref["time"], rtol=0)  # the same distinct times, exactly
    assert_matches(fit.n_risk, ref["n_risk"], rtol=1e-12)  # weighted sums of the same numbers
    assert_matches(fit.n_event, ref["n_event"], rtol=1e-12)
    assert_matches(fit.n_censor, ref["n_censor"], rtol=1e-12)
    assert_matches(fit.survival, ref["surv"], rtol=RTOL)
    assert_matches(fit.std_err_log, ref["std_err"], rtol=RTOL)  # inf where R has Inf
    assert_matches(fit.lower, ref[f"lower_{CONF_SUFFIX[conf_type]}"], rtol=RTOL)  # NaN where R has NA
    assert_matches(fit.upper, ref[f"upper_{CONF_SUFFIX[conf_type]}"], rtol=RTOL)


# R: summary(survfit(..., conf.type = ct), rmean = tau)$table -> median, 0.95LCL, 0.95UCL, rmean,
# se(rmean) (print.survfit's conventions, including the midpoint rule when S = 0.5 on a flat part).
@pytest.mark.parametrize("conf_type", ["plain", "log", "log-log"])
@pytest.mark.parametrize("case", list(KM_CASES))
def test_km_median_and_rmean_match_r_print_survfit(case: str, conf_type: str) -> None:
    summary = read("ref_km_summary.csv")
    row = summary[(summary["case"] == case) & (summary["conf_type"] == conf_type)].iloc[0]
    fit = _fit(case, conf_type)
    median = fit.median
    assert_matches(median.estimate, row["median"], rtol=RTOL)
    assert_matches(median.lower, row["lcl"], rtol=RTOL)
    assert_matches(median.upper, row["ucl"], rtol=RTOL)
    restricted = fit.rmst(row["tau"])
    assert_matches(restricted.estimate, row["rmean"], rtol=RTOL)
    assert_matches(restricted.std_err, row["se_rmean"], rtol=RTOL)


# R: survfit(..., ctype = 1)$cumhaz and $std.chaz (the same fits as above).
@pytest.mark.parametrize("case", list(KM_CASES))
def test_nelson_aalen_matches_r_survfit_ctype1(case: str) -> None:
    ref = read(f"ref_km_{case}.csv")
    data = read(KM_CASES[case])
    fit = nelson_aalen(data["time"], data["event"], **_options(case, data))
    assert_matches(fit.time, ref["time"], rtol=0)
    assert_matches(fit.cumulative_hazard, ref["cumhaz"], rtol=RTOL)
    assert_matches(fit.std_err, ref["std_chaz"], rtol=RTOL)


# ---- regression tests: behaviour of the API, expected values worked out by hand in the comments


def test_km_hand_example_with_tie_between_event_and_censoring() -> None:
    # times 1, 2, 2(censored), 3: S = 3/4, 3/4 * 2/3 = 1/2, then 1/2 * 0 = 0 (one at risk, one event)
    fit = kaplan_meier([1, 2, 2, 3], [1, 1, 0, 1])
    assert_matches(fit.n_risk, [4, 3, 1], rtol=0)
    assert_matches(fit.survival, [0.75, 0.5, 0.0], rtol=1e-15)
    # Greenwood on the log scale: 1/(4*3) then + 1/(3*2); infinite once S = 0, as R
    assert_matches(fit.std_err_log[:2], np.sqrt([1 / 12, 1 / 12 + 1 / 6]), rtol=1e-15)
    assert np.isinf(fit.std_err_log[2])
    assert np.isnan(fit.lower[2]) and np.isnan(fit.upper[2])


def test_km_at_is_a_right_continuous_step() -> None:
    fit = kaplan_meier([1, 2, 2, 3], [1, 1, 0, 1], conf_type="log")
    points = fit.at([0.0, 1.0, 1.5, 2.0, 2.9, 3.0, 10.0])
    assert_matches(points.estimate, [1.0, 0.75, 0.75, 0.5, 0.5, 0.0, 0.0], rtol=1e-15)
    assert points.lower[0] == 1.0 and points.upper[0] == 1.0  # log interval at S = 1 is [1, 1], as R
    assert list(points.to_frame().columns) == ["time", "estimate", "std_err", "lower", "upper"]


def test_km_median_not_reached_is_nan() -> None:
    fit = kaplan_meier([1, 2, 3, 4], [1, 0, 0, 0])
    assert np.isnan(fit.median.estimate)


def test_km_to_frame_has_one_row_per_time() -> None:
    frame = kaplan_meier([3, 1, 2, 2], [1, 0, 1, 1]).to_frame()
    assert frame["time"].tolist() == [1.0, 2.0, 3.0]
    assert frame["n_event"].tolist() == [0.0, 2.0, 1.0]


def test_km_result_is_frozen() -> None:
    fit = kaplan_meier([1, 2], [1, 1])
    with pytest.raises(AttributeError):
        fit.conf_level = 0.9  # type: ignore[misc]


def test_nelson_aalen_at_before_first_time_is_zero() -> None:
    fit = nelson_aalen([2, 3, 3], [1, 1, 0])
    points = fit.at([0.5, 2.0, 3.0])
    # H = 1/3 at 2, then + 1/2 at 3 (two at risk, one event)
    assert_matches(points.estimate, [0.0, 1 / 3, 1 / 3 + 1 / 2], rtol=1e-15)
