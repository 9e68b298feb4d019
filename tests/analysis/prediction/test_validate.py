"""Validation of the prediction models: scores against R, the bootstrap and the left-out centres.

R numbers: tests/reference/prediction/expected_validation.csv, written by make_validation_reference.R
(riskRegression 2022.11.28 ``Score``, survival 3.5.3 ``concordance``, ``coxph``, cmprsk 2.2.11 ``crr``)
on validation_predictions.csv (the predictions both sides score, written by
make_validation_predictions.py).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from remission.analysis.prediction import ModelSet, fit_prediction_models, predict
from remission.analysis.prediction.validate import (
    CORRECTED,
    OUTCOMES,
    Validation,
    brier_score,
    calibration_groups,
    harrell_c,
    predicted_risks,
    score,
    time_auc,
    uno_c,
    validate_model_set,
)
from remission.survival import aalen_johansen, concordance_index, kaplan_meier

from .conftest import CUTOFF

REF = Path(__file__).resolve().parents[2] / "reference" / "prediction"
PREDICTIONS = REF / "validation_predictions.csv"
EXPECTED = REF / "expected_validation.csv"
KEYS = [("OS", 365.25), ("OS", 1826.25), ("PFS", 365.25), ("PFS", 1826.25), ("NRM", 100.0), ("NRM", 365.25)]


def _reference() -> tuple[pd.DataFrame, dict[tuple[str, float], dict[str, float]]]:
    if not (PREDICTIONS.exists() and EXPECTED.exists()):
        reason = (
            f"{PREDICTIONS.name} or {EXPECTED.name} absent: run make_validation_predictions.py, then "
            "Rscript make_validation_reference.R in tests/reference/prediction"
        )
        print(reason)
        pytest.skip(reason)
    expected: dict[tuple[str, float], dict[str, float]] = {}
    for row in pd.read_csv(EXPECTED).itertuples(index=False):
        expected.setdefault((row.endpoint, float(row.horizon)), {})[row.what] = float(row.value)
    return pd.read_csv(PREDICTIONS), expected


def _arrays(table: pd.DataFrame, endpoint: str, horizon: float) -> tuple[np.ndarray, ...]:
    time_column, cause_column, interest = OUTCOMES[endpoint]
    risk = table[f"risk_{endpoint}_{horizon:g}".replace(".", "_")].to_numpy(dtype=np.float64)
    return (
        table[time_column].to_numpy(dtype=np.float64),
        table[cause_column].to_numpy(dtype=np.int64),
        table[f"lp_{endpoint}"].to_numpy(dtype=np.float64),
        risk,
        interest,
    )


@pytest.mark.parametrize(("endpoint", "horizon"), KEYS)
def test_brier_auc_c_and_slope_equal_r(endpoint: str, horizon: float) -> None:
    table, expected = _reference()
    ref = expected[(endpoint, horizon)]
    time, cause, lp, risk, interest = _arrays(table, endpoint, horizon)
    m = score(time, cause, lp, risk, horizon, interest, competing=endpoint == "NRM")
    # riskRegression::Score: Brier, the null model's Brier, IPA and AUC — 1e-10 relative (the same
    # arithmetic on the same doubles; the two agree to about 1e-15)
    assert m.brier == pytest.approx(ref["brier"], rel=1e-10)
    assert m.brier_null == pytest.approx(ref["brier_null"], rel=1e-10)
    assert m.scaled_brier == pytest.approx(ref["ipa"], rel=1e-10)
    assert m.auc == pytest.approx(ref["auc"], rel=1e-10)
    # survival::concordance (Harrell; Uno = timewt "n/G2", OS and PFS) on the censored data — 1e-10
    assert m.harrell_c == pytest.approx(ref["harrell_c"], rel=1e-10)
    if endpoint != "NRM":
        assert m.uno_c == pytest.approx(ref["uno_c"], rel=1e-10)
    # calibration slope: coxph converges to ~1e-9 relative, crr stops at a score of ~1e-6 — 1e-6 relative
    assert m.calibration_slope == pytest.approx(ref["calibration_slope"], rel=1e-6)
    # the null model's risk is the Kaplan-Meier (Aalen-Johansen) risk, so its Brier score is below the
    # Brier score of any other constant prediction (checked at ±0.01)
    for shift in (-0.01, 0.01):
        constant = np.full(time.shape[0], m.observed_risk + shift)
        assert brier_score(time, cause, constant, horizon, interest) > m.brier_null


@pytest.mark.parametrize(("endpoint", "horizon"), KEYS)
def test_uno_c_equals_the_pairs_counted_one_by_one(endpoint: str, horizon: float) -> None:
    table, _ = _reference()
    time, cause, lp, _, interest = _arrays(table, endpoint, horizon)
    # the censoring Kaplan-Meier as prodlim's reverse (events tied with a censoring leave first), by loop
    times = np.unique(time)
    g, g_minus = 1.0, {}
    for t in times:
        g_minus[t] = g
        at = time == t
        censored = int((at & (cause == 0)).sum())
        if censored:
            g *= 1.0 - censored / (int((time > t).sum()) + censored)
    later = np.where((cause > 0) & (cause != interest), np.inf, time)
    numerator = denominator = 0.0
    for i in np.flatnonzero((cause == interest) & (time <= horizon)):
        comparable = (later > time[i]) | ((later == time[i]) & (cause == 0))
        weight = 1.0 / g_minus[time[i]] ** 2
        numerator += weight * ((lp[comparable] < lp[i]).sum() + 0.5 * (lp[comparable] == lp[i]).sum())
        denominator += weight * comparable.sum()
    # same sums in another order: 1e-12 relative
    assert uno_c(time, cause, lp, horizon, interest) == pytest.approx(numerator / denominator, rel=1e-12)


@pytest.mark.parametrize(("endpoint", "horizon"), KEYS)
def test_harrell_c_equals_concordance_index_on_the_censored_data(endpoint: str, horizon: float) -> None:
    table, _ = _reference()
    time, cause, lp, _, interest = _arrays(table, endpoint, horizon)
    competing = (cause > 0) & (cause != interest)
    censored_time = np.where(competing, horizon, np.minimum(time, horizon))
    event = ((cause == interest) & (time <= horizon)).astype(np.int64)
    expected = concordance_index(censored_time, event, lp).concordance
    # the same pairs counted by remission.survival.concordance_index: 1e-12 relative
    assert harrell_c(time, cause, lp, horizon, interest) == pytest.approx(expected, rel=1e-12)


def _observed(time: np.ndarray, cause: np.ndarray, horizon: float, interest: int) -> float:
    """Kaplan-Meier (one cause) or Aalen-Johansen risk at the horizon by remission.survival."""
    if (cause > 1).any() or interest != 1:
        fit = aalen_johansen(time, cause)
        column = list(fit.causes).index(interest)
        k = np.searchsorted(fit.time, horizon, side="right")
        return float(np.asarray(fit.cumulative_incidence)[k - 1, column]) if k else 0.0
    fit = kaplan_meier(time, cause)
    k = np.searchsorted(fit.time, horizon, side="right")
    return 1.0 - float(fit.survival[k - 1]) if k else 0.0


@pytest.mark.parametrize(("endpoint", "horizon"), KEYS)
def test_observed_risks_and_calibration_groups(endpoint: str, horizon: float) -> None:
    table, _ = _reference()
    time, cause, lp, risk, interest = _arrays(table, endpoint, horizon)
    m = score(time, cause, lp, risk, horizon, interest, competing=endpoint == "NRM")
    # the null model's risk: Kaplan-Meier / Aalen-Johansen of remission.survival, 1e-12 absolute
    assert m.observed_risk == pytest.approx(_observed(time, cause, horizon, interest), abs=1e-12)
    groups = calibration_groups(time, cause, risk, horizon, interest, groups=10)
    assert len(groups) == 10 and sum(g.n for g in groups) == len(time)
    assert sum(g.events for g in groups) == m.events
    order = np.argsort(risk, kind="stable")
    start = 0
    for g in groups:
        part = order[start : start + g.n]
        start += g.n
        assert g.mean_risk == pytest.approx(risk[part].mean(), rel=1e-12)
        assert g.observed_risk == pytest.approx(
            _observed(time[part], cause[part], horizon, interest), abs=1e-12
        )
    assert [g.mean_risk for g in groups] == sorted(g.mean_risk for g in groups)


def test_auc_and_brier_on_a_hand_example() -> None:
    # times 1..6, horizon 3.5; row 3 censored at 3 (G = 1 before 3, 3/4 from 3 on: 4 at risk, 1 censored)
    time = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    cause = np.array([1, 1, 0, 1, 0, 1])
    risk = np.array([0.9, 0.4, 0.5, 0.6, 0.2, 0.1])
    # cases rows 1, 2 (weight 1); controls rows 4, 5, 6 (weight 4/3 each). Pairs case > control:
    # 0.9 beats all 3, 0.4 beats 0.2 and 0.1 -> 5 of 6 pairs
    assert time_auc(time, cause, risk, 3.5) == pytest.approx(5 / 6, rel=1e-14)
    # Brier: (0.1^2 + 0.6^2)/1 + 0 + (0.6^2 + 0.2^2 + 0.1^2)/(3/4), over 6 rows
    expected = (0.01 + 0.36 + (0.36 + 0.04 + 0.01) * 4 / 3) / 6
    assert brier_score(time, cause, risk, 3.5) == pytest.approx(expected, rel=1e-14)


def test_predicted_risks_equal_predict_for_each_row(data: pd.DataFrame, model_set: ModelSet) -> None:
    risks = predicted_risks(model_set, data)
    assert len(risks) == model_set.n
    for index in risks.index[:6]:
        row = data.loc[index]
        scale = str(row["performance_scale"])
        candidate = {
            "age_years": float(row["age"]),
            "sex": row["sex"],
            "disease": row["disease"],
            "hct_ci_score": int(row["hct_ci"]),
            scale: float(row["performance_score"]),
            "intensity": row["intensity"],
            "infusion_year": int(row["infusion_year"]),
            "centre_experience": int(row["centre_experience"]),
        }
        prediction = predict(model_set, candidate)
        for endpoint, horizon in KEYS:
            estimate = prediction.risk(endpoint, horizon).estimate
            risk = estimate if endpoint == "NRM" else 1.0 - estimate
            # the same formula vectorised: 1e-12 absolute
            assert risks.loc[index, f"risk_{endpoint}_{horizon:g}"] == pytest.approx(risk, abs=1e-12)


def _with_centres(data: pd.DataFrame) -> pd.DataFrame:
    out = data.copy()
    k = np.arange(len(out))
    out["centre"] = np.where(k % 40 == 0, "Z", np.array(["A", "B", "C", "D"])[k % 4])
    return out


@pytest.fixture(scope="module")
def validation(data: pd.DataFrame, model_set: ModelSet) -> Validation:
    return validate_model_set(_with_centres(data), model_set, bootstrap=5, seed=11)


def test_bootstrap_reproduces_with_its_seed(data: pd.DataFrame, model_set: ModelSet, validation: Validation):
    again = validate_model_set(_with_centres(data), model_set, bootstrap=5, seed=11)
    assert again.to_dict() == validation.to_dict()  # exactly, number for number
    other = validate_model_set(data, model_set, bootstrap=5, seed=12)
    assert other.result("OS", 365.25).optimism != validation.result("OS", 365.25).optimism
    assert validation.bootstrap_fitted + sum(c for _, c in validation.bootstrap_failures) == 5
    text = json.dumps(validation.to_dict(), allow_nan=False)  # JSON-safe: NaN written as null
    assert json.loads(text)["model_version"] == model_set.version
    assert Validation.from_dict(json.loads(text)).to_dict() == validation.to_dict()  # exact round trip
    for result in validation.results:
        for (name, optimism), (name2, corrected) in zip(result.optimism, result.corrected, strict=True):
            assert name == name2
            assert corrected == pytest.approx(result.apparent.value(name) - optimism, abs=1e-15)


def test_optimism_is_apparent_on_the_resample_minus_test_on_the_original(
    data: pd.DataFrame, model_set: ModelSet
) -> None:
    one = validate_model_set(data, model_set, bootstrap=1, seed=3, centre_column="no such column")
    assert one.centre_note is not None and "no such column" in one.centre_note
    rows = data.loc[predicted_risks(model_set, data).index]
    sample = rows.iloc[np.random.default_rng(3).integers(0, len(rows), len(rows))].reset_index(drop=True)
    refit = fit_prediction_models(sample, cutoff=CUTOFF, start=model_set)  # as the bootstrap refits
    cold = fit_prediction_models(sample, cutoff=CUTOFF)  # started at 0
    for warm_model, cold_model in zip(refit.models, cold.models, strict=True):
        # the start changes the path, not the answer: equal within the fitters' convergence (1e-6 absolute)
        assert warm_model.coef == pytest.approx(cold_model.coef, abs=1e-6)
    for endpoint, horizon in (("OS", 1826.25), ("NRM", 365.25)):
        time_column, cause_column, interest = OUTCOMES[endpoint]
        column = f"risk_{endpoint}_{horizon:g}"
        on = {}
        for name, frame in (("sample", sample), ("original", rows)):
            p = predicted_risks(refit, frame)
            on[name] = score(
                frame.loc[p.index, time_column].to_numpy(dtype=np.float64),
                frame.loc[p.index, cause_column].to_numpy(dtype=np.int64),
                p[f"lp_{endpoint}"].to_numpy(),
                p[column].to_numpy(),
                horizon,
                interest,
            )
        optimism = dict(one.result(endpoint, horizon).optimism)
        for metric in CORRECTED:
            # one resample: the optimism is that resample's difference — 1e-12 absolute
            expected = on["sample"].value(metric) - on["original"].value(metric)
            assert optimism[metric] == pytest.approx(expected, abs=1e-12)
    # apparent scores are on the model's own rows
    assert one.n == model_set.n


def test_left_out_centres(data: pd.DataFrame, model_set: ModelSet, validation: Validation) -> None:
    frame = _with_centres(data)
    nrm100 = validation.result("NRM", 100.0)
    # no centre has 10 non-relapse deaths by 100 days: every one skipped with the count in the reason
    assert all(c.metrics is None and "fewer than 10" in c.skipped for c in nrm100.centres)
    assert nrm100.pooled is None
    os1 = validation.result("OS", 365.25)
    by_centre = {c.centre: c for c in os1.centres}
    assert sorted(by_centre) == ["A", "B", "C", "D", "Z"]
    assert by_centre["Z"].metrics is None and by_centre["Z"].skipped.startswith(f"{by_centre['Z'].events} OS")
    # centre A scored by the models refitted on the other centres
    refit = fit_prediction_models(frame[frame["centre"] != "A"].reset_index(drop=True), cutoff=CUTOFF)
    rows = frame.loc[predicted_risks(model_set, data).index]  # the rows the models were fitted on
    test = rows[rows["centre"] == "A"]
    p = predicted_risks(refit, test)
    expected = score(
        test.loc[p.index, "os_days"].to_numpy(dtype=np.float64),
        test.loc[p.index, "os_event"].to_numpy(dtype=np.int64),
        p["lp_OS"].to_numpy(),
        p["risk_OS_365.25"].to_numpy(),
        365.25,
    )
    got = by_centre["A"].metrics
    assert got is not None
    for metric in ("auc", "brier", "harrell_c", "calibration_slope"):
        # the same computation: 1e-12 absolute
        assert got.value(metric) == pytest.approx(expected.value(metric), abs=1e-12)
    assert os1.pooled is not None and os1.pooled.n == sum(c.n for c in os1.centres if c.metrics is not None)
    # Z is skipped for every model but the 5-year PFS (14 progressions or deaths)
    pfs5 = {c.centre: c for c in validation.result("PFS", 1826.25).centres}
    assert pfs5["Z"].metrics is not None and pfs5["Z"].events >= 10


def test_bootstrap_must_be_a_count(data: pd.DataFrame, model_set: ModelSet) -> None:
    for bad in (-1, 2.5, True):
        with pytest.raises(ValueError, match="bootstrap must be"):
            validate_model_set(data, model_set, bootstrap=bad)  # type: ignore[arg-type]


def test_no_bootstrap_leaves_optimism_missing(data: pd.DataFrame, model_set: ModelSet) -> None:
    v = validate_model_set(data, model_set, bootstrap=0)
    result = v.result("PFS", 365.25)
    assert all(math.isnan(value) for _, value in result.optimism)
    assert json.loads(json.dumps(v.to_dict(), allow_nan=False))["results"][0]["optimism"]["auc"] is None


@pytest.mark.parametrize("monotone", [True, False])
def test_auc_through_the_linear_predictor_order_equals_its_own_sort(monotone: bool) -> None:
    """score() sorts the controls by the linear predictor's order when the risk rises with it, and by
    the risk itself when it does not; either way the AUC is time_auc's (own sort of the risks)."""
    rng = np.random.default_rng(21 if monotone else 22)
    n = 3_000
    lp = np.round(rng.normal(size=n), 2)  # ties in the linear predictor
    time = np.ceil(rng.exponential(400 * np.exp(-lp)))
    cause = rng.choice([0, 1, 2], size=n, p=[0.3, 0.5, 0.2])
    risk = -np.expm1(-0.3 * np.exp(lp)) if monotone else rng.random(n)
    for horizon in (100.0, 365.25):
        got = score(time, cause, lp, risk, horizon, 1, competing=True).auc
        assert got == pytest.approx(time_auc(time, cause, risk, horizon, 1), abs=1e-12)  # rounding only
