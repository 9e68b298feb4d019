"""Proportional hazards test against R's cox.zph (survival 3.5), reference values in tests/reference/.

Every number here was produced by tests/reference/regression/make_zph_reference.R (regression/zph_table.csv,
zph_residuals.csv, zph_var.csv); the R call of each case is written next to it in CASES. Tolerance: 1e-6
relative (and 1e-9 absolute, for values near zero) on the chi-squares, p-values, transformed times, scaled
residuals and var; R's coefficients and ours agree to about 1e-7 relative (both converge to
|1 - L_old/L_new| <= 1e-9), and everything here is a smooth function of them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from remission.survival import SurvivalInputError
from remission.survival._cox_risk_sets import RiskSets
from remission.survival.cox import CoxResult, cox
from remission.survival.proportional_hazards import ProportionalHazardsTest, proportional_hazards_test

REF = Path(__file__).resolve().parents[1] / "reference" / "regression"
RTOL = 1e-6
ATOL = 1e-9


def _lung() -> pd.DataFrame:
    frame = pd.read_csv(REF / "data_lung.csv")
    frame["w"] = 1 + np.arange(1, len(frame) + 1) % 3  # as make_zph_reference.R: 1 + seq_len(n) %% 3
    return frame


def _veteran() -> pd.DataFrame:
    frame = pd.read_csv(REF / "data_veteran.csv")
    frame["celltype"] = pd.Categorical(
        frame["celltype"], categories=["squamous", "smallcell", "adeno", "large"]
    )
    return frame


def _heart() -> pd.DataFrame:
    frame = pd.read_csv(REF / "data_heart.csv")
    frame["transplant"] = frame["transplant"].astype(str)
    return frame


def _ovarian() -> pd.DataFrame:
    return pd.read_csv(REF / "data_ovarian.csv")


def _tied() -> pd.DataFrame:
    return pd.read_csv(REF / "cox_tied.csv")


def _lung_constant() -> pd.DataFrame:
    frame = _lung()
    frame["ecog_m"] = np.where(frame["sex"] == 1, 0, frame["ph.ecog"])  # as make_zph_reference.R
    return frame


def _tied_constant() -> pd.DataFrame:
    frame = _tied()
    disease2 = frame["disease"].to_numpy(dtype=object).copy()  # as make_zph_reference.R
    disease2[frame["centre"].to_numpy() == "A"] = "ms"
    disease2[(frame["centre"].to_numpy() == "B") & (disease2 == "ssc")] = "crohn"
    frame["disease2"] = disease2
    return frame


LUNG_X = ["age", "sex", "ph.ecog"]
VETERAN_X = ["trt", "karno", "celltype"]
HEART_X = ["age", "year", "surgery", "transplant"]
TIED_X = ["x1", "x2", "disease", "sex"]


def _lung_data(d: pd.DataFrame) -> dict:
    return {"time": d.time, "event": d.status}


def _lung_weighted(d: pd.DataFrame) -> dict:
    return {"time": d.time, "event": d.status, "weights": d.w}


def _veteran_data(d: pd.DataFrame) -> dict:
    return {"time": d.time, "event": d.status}


def _veteran_strata(d: pd.DataFrame) -> dict:
    return {"time": d.time, "event": d.status, "strata": d.prior}


def _heart_data(d: pd.DataFrame) -> dict:
    return {"time": d.stop, "event": d.event, "entry": d.start}


def _heart_strata(d: pd.DataFrame) -> dict:
    return {"time": d.stop, "event": d.event, "entry": d.start, "strata": d.surgery}


def _tied_strata(d: pd.DataFrame) -> dict:
    return {"time": d.time, "event": d.event, "weights": d.w, "strata": d.centre}


def _tied_weighted(d: pd.DataFrame) -> dict:
    return {"time": d.time, "event": d.event, "weights": d.w}


Case = tuple[
    Callable[[], pd.DataFrame], list[str], Callable[[pd.DataFrame], dict], str, str, bool, str | None
]
# case -> (data, columns of X, data arguments, ties, transform, terms, R's label of a stratum level)
# (R labels strata(prior) of a number "prior=0", strata(centre) of a factor "A")
CASES: dict[str, Case] = {
    # cox.zph(coxph(Surv(time, status) ~ age + sex + ph.ecog, lung), transform = ...)
    "lung_efron_km": (_lung, LUNG_X, _lung_data, "efron", "km", True, None),
    "lung_efron_identity": (_lung, LUNG_X, _lung_data, "efron", "identity", True, None),
    "lung_efron_rank": (_lung, LUNG_X, _lung_data, "efron", "rank", True, None),
    "lung_efron_log": (_lung, LUNG_X, _lung_data, "efron", "log", True, None),
    # the same with ties = "breslow"
    "lung_breslow_km": (_lung, LUNG_X, _lung_data, "breslow", "km", True, None),
    "lung_breslow_rank": (_lung, LUNG_X, _lung_data, "breslow", "rank", True, None),
    # the same with weights = 1 + seq_len(n) %% 3
    "lung_weights_efron_km": (_lung, LUNG_X, _lung_weighted, "efron", "km", True, None),
    "lung_weights_breslow_identity": (_lung, LUNG_X, _lung_weighted, "breslow", "identity", True, None),
    # coxph(Surv(time, status) ~ trt + karno + celltype, veteran): celltype a 3-column term
    "veteran_efron_km": (_veteran, VETERAN_X, _veteran_data, "efron", "km", True, None),
    "veteran_efron_rank_columns": (_veteran, VETERAN_X, _veteran_data, "efron", "rank", False, None),
    # ... + strata(prior)
    "veteran_strata_km": (_veteran, VETERAN_X, _veteran_strata, "efron", "km", True, "prior={}"),
    "veteran_strata_identity_columns": (
        _veteran,
        VETERAN_X,
        _veteran_strata,
        "efron",
        "identity",
        False,
        "prior={}",
    ),
    "veteran_strata_breslow_rank": (
        _veteran,
        VETERAN_X,
        _veteran_strata,
        "breslow",
        "rank",
        True,
        "prior={}",
    ),
    # coxph(Surv(start, stop, event) ~ age + year + surgery + transplant, heart)
    "heart_efron_km": (_heart, HEART_X, _heart_data, "efron", "km", True, None),
    "heart_efron_identity": (_heart, HEART_X, _heart_data, "efron", "identity", True, None),
    "heart_efron_rank": (_heart, HEART_X, _heart_data, "efron", "rank", True, None),
    "heart_breslow_km": (_heart, HEART_X, _heart_data, "breslow", "km", True, None),
    # coxph(Surv(start, stop, event) ~ age + year + transplant + strata(surgery), heart)
    "heart_strata_km": (
        _heart,
        ["age", "year", "transplant"],
        _heart_strata,
        "efron",
        "km",
        True,
        "surgery={}",
    ),
    # coxph(Surv(futime, fustat) ~ age + ecog.ps + rx, ovarian)
    "ovarian_efron_km": (
        _ovarian,
        ["age", "ecog.ps", "rx"],
        lambda d: {"time": d.futime, "event": d.fustat},
        "efron",
        "km",
        True,
        None,
    ),
    "ovarian_efron_identity": (
        _ovarian,
        ["age", "ecog.ps", "rx"],
        lambda d: {"time": d.futime, "event": d.fustat},
        "efron",
        "identity",
        True,
        None,
    ),
    # coxph(Surv(time, event) ~ x1 + x2 + disease + sex + strata(centre), tied, weights = w)
    "tied_weights_strata_efron_km": (_tied, TIED_X, _tied_strata, "efron", "km", True, "{}"),
    "tied_weights_strata_efron_rank": (_tied, TIED_X, _tied_strata, "efron", "rank", True, "{}"),
    # coxph(Surv(time, event) ~ x1 + x2 + disease + sex, tied, weights = w, ties = "breslow")
    "tied_weights_breslow_identity": (_tied, TIED_X, _tied_weighted, "breslow", "identity", True, None),
    # covariates constant within a stratum (their residuals are NA there):
    # coxph(Surv(time, status) ~ age + ecog_m + strata(sex), lung), ecog_m = 0 throughout sex = 1
    "lung_strata_constant_km": (
        _lung_constant,
        ["age", "ecog_m"],
        lambda d: {"time": d.time, "event": d.status, "strata": d.sex},
        "efron",
        "km",
        True,
        "sex={}",
    ),
    # coxph(Surv(time, event) ~ x1 + disease2 + strata(centre), tied, weights = w): disease2 constant in
    # centre A, without the level ssc in centre B
    "tied_strata_constant_factor_km": (
        _tied_constant,
        ["x1", "disease2"],
        _tied_strata,
        "efron",
        "km",
        True,
        "{}",
    ),
    "tied_strata_constant_factor_identity_columns": (
        _tied_constant,
        ["x1", "disease2"],
        _tied_strata,
        "efron",
        "identity",
        False,
        "{}",
    ),
}


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name, keep_default_na=False, dtype={"strata": str, "term": str})


def _num(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values.replace("NA", np.nan)).to_numpy(dtype=np.float64)


TABLE = _read("zph_table.csv")
RESIDUALS = _read("zph_residuals.csv")
VAR = _read("zph_var.csv")


def _fit_and_test(case: str, **overrides: object) -> tuple[CoxResult, ProportionalHazardsTest]:
    load, columns, data, ties, transform, terms, _ = CASES[case]
    frame = load()
    arguments = data(frame)
    fit = cox(frame[columns], ties=ties, **arguments)
    options = {"transform": transform, "terms": terms, **overrides}
    return fit, proportional_hazards_test(fit, frame[columns], **arguments, **options)


def test_every_reference_case_is_tested() -> None:
    assert set(TABLE["case"]) == set(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_table_matches_cox_zph(case: str) -> None:
    _, zph = _fit_and_test(case)
    expected = TABLE[TABLE["case"] == case]
    frame = zph.to_frame()
    assert list(frame.index) == list(expected["term"])
    assert frame.index[-1] == "GLOBAL"
    np.testing.assert_array_equal(frame["df"].to_numpy(), expected["df"].to_numpy())
    np.testing.assert_allclose(frame["chisq"], _num(expected["chisq"]), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(frame["p"], _num(expected["p"]), rtol=1e-6, atol=1e-9)
    assert zph.global_test.statistic == pytest.approx(_num(expected["chisq"])[-1], rel=1e-6)
    pd.testing.assert_frame_equal(zph.table, frame)


@pytest.mark.parametrize("case", sorted(CASES))
def test_scaled_residuals_match_cox_zph(case: str) -> None:
    _, zph = _fit_and_test(case)
    expected = RESIDUALS[RESIDUALS["case"] == case]
    terms = list(dict.fromkeys(expected["term"]))
    assert list(zph.terms) == terms
    first = expected[expected["term"] == terms[0]]
    np.testing.assert_allclose(zph.time, _num(first["time"]), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(zph.transformed_time, _num(first["x"]), rtol=1e-6, atol=1e-9)
    label = CASES[case][6]
    if label is None:
        assert zph.strata is None
    else:
        assert [label.format(level) for level in zph.strata] == list(first["strata"])
    assert zph.scaled_residuals.shape == (first.shape[0], len(terms))
    for j, term in enumerate(terms):
        y = _num(expected.loc[expected["term"] == term, "y"])
        np.testing.assert_array_equal(np.isnan(zph.scaled_residuals[:, j]), np.isnan(y))
        np.testing.assert_allclose(zph.scaled_residuals[:, j], y, rtol=1e-6, atol=1e-9)
    frame = zph.residuals_frame()
    np.testing.assert_allclose(
        frame[terms[-1]], _num(expected.loc[expected["term"] == terms[-1], "y"]), rtol=1e-6
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_var_matches_cox_zph(case: str) -> None:
    _, zph = _fit_and_test(case)
    expected = VAR[VAR["case"] == case]
    k = len(zph.terms)
    # R writes the matrix column by column: term1 varies fastest
    matrix = _num(expected["value"]).reshape(k, k).T
    np.testing.assert_allclose(zph.var, matrix, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    ("case", "missing"),
    [
        ("lung_strata_constant_km", {"ecog_m": ["sex=1"]}),
        # one term: its used count in B is that of disease2ms (R's cox.zph), so B is not missing
        ("tied_strata_constant_factor_km", {"disease2": ["A"]}),
        # one column per dummy: disease2ssc is also constant (0) in centre B
        ("tied_strata_constant_factor_identity_columns", {"disease2ms": ["A"], "disease2ssc": ["A", "B"]}),
    ],
)
def test_residuals_are_missing_where_the_term_is_constant_in_the_stratum(
    case: str, missing: dict[str, list[str]]
) -> None:
    _, zph = _fit_and_test(case)
    label = CASES[case][6]
    assert label is not None
    strata = np.array([label.format(level) for level in zph.strata])
    for j, term in enumerate(zph.terms):
        expected = (
            np.isin(strata, missing[term]) if term in missing else np.zeros(strata.shape[0], dtype=bool)
        )
        np.testing.assert_array_equal(np.isnan(zph.scaled_residuals[:, j]), expected)


def test_row_order_does_not_change_the_table() -> None:
    load, columns, data, ties, transform, terms, _ = CASES["heart_strata_km"]
    frame = load().sample(frac=1.0, random_state=7).reset_index(drop=True)
    fit = cox(frame[columns], ties=ties, **data(frame))
    zph = proportional_hazards_test(fit, frame[columns], **data(frame), transform=transform, terms=terms)
    expected = TABLE[TABLE["case"] == "heart_strata_km"]
    np.testing.assert_allclose(zph.chisq, _num(expected["chisq"]), rtol=1e-6, atol=1e-9)


def test_callable_transform_is_applied_to_the_exit_times() -> None:
    _, zph = _fit_and_test("lung_efron_identity", transform=lambda t: 2.0 * t + 5.0)
    expected = TABLE[TABLE["case"] == "lung_efron_identity"]
    # the test is invariant to a linear change of g(t)
    np.testing.assert_allclose(zph.chisq, _num(expected["chisq"]), rtol=1e-6, atol=1e-9)


def test_array_design_gives_one_test_per_column() -> None:
    frame = _lung()
    X = frame[LUNG_X].to_numpy()
    fit = cox(X, frame.time, frame.status)
    zph = proportional_hazards_test(fit, X, frame.time, frame.status, transform="rank")
    expected = TABLE[TABLE["case"] == "lung_efron_rank"]
    assert zph.rows == ("x1", "x2", "x3", "GLOBAL")
    np.testing.assert_allclose(zph.chisq, _num(expected["chisq"]), rtol=1e-6, atol=1e-9)


def test_weighted_information_with_unit_weights_is_the_information() -> None:
    frame = _tied()
    X = pd.get_dummies(frame[TIED_X], drop_first=True, dtype=float).to_numpy()
    codes = pd.factorize(frame.centre, sort=True)[0].astype(np.int64)
    rs = RiskSets(
        X,
        frame.time.to_numpy(dtype=float),
        frame.event.to_numpy(dtype=np.int64),
        None,
        codes,
        frame.w.to_numpy(dtype=float),
        efron=True,
        center=X.mean(axis=0),
    )
    step = rs.evaluate(np.full(X.shape[1], 0.1))
    ones = np.ones(step.hazard.shape[0])
    np.testing.assert_allclose(rs.weighted_information(step, ones), step.info, rtol=1e-12, atol=1e-12)


# ---- the data must be those the fit was given ----


@pytest.fixture(scope="module")
def lung_fit() -> tuple[pd.DataFrame, CoxResult]:
    frame = _lung()
    return frame, cox(frame[LUNG_X], frame.time, frame.status)


def test_fewer_rows_than_the_fit_are_rejected(lung_fit: tuple[pd.DataFrame, CoxResult]) -> None:
    frame, fit = lung_fit
    short = frame.iloc[:-1]
    with pytest.raises(SurvivalInputError, match="time has 226 rows but the fit was given 227"):
        proportional_hazards_test(fit, short[LUNG_X], short.time, short.status)


def test_x_rows_must_match_time(lung_fit: tuple[pd.DataFrame, CoxResult]) -> None:
    frame, fit = lung_fit
    with pytest.raises(SurvivalInputError, match="X has 226 rows"):
        proportional_hazards_test(fit, frame[LUNG_X].iloc[:-1], frame.time, frame.status)


def test_other_event_count_is_rejected(lung_fit: tuple[pd.DataFrame, CoxResult]) -> None:
    frame, fit = lung_fit
    event = frame.status.to_numpy().copy()
    event[np.flatnonzero(event == 0)[0]] = 1
    with pytest.raises(SurvivalInputError, match="event has 165 events but the fit has 164"):
        proportional_hazards_test(fit, frame[LUNG_X], frame.time, event)


def test_other_covariate_values_are_rejected(lung_fit: tuple[pd.DataFrame, CoxResult]) -> None:
    frame, fit = lung_fit
    X = frame[LUNG_X].copy()
    X.loc[0, "age"] += 1.0
    with pytest.raises(SurvivalInputError, match="log partial likelihood"):
        proportional_hazards_test(fit, X, frame.time, frame.status)


def test_missing_weights_are_rejected() -> None:
    frame = _lung()
    fit = cox(frame[LUNG_X], frame.time, frame.status, weights=frame.w)
    with pytest.raises(SurvivalInputError, match="weights must be those the fit was given"):
        proportional_hazards_test(fit, frame[LUNG_X], frame.time, frame.status)


def test_missing_entry_is_rejected() -> None:
    frame = _heart()
    fit = cox(frame[HEART_X], frame.stop, frame.event, entry=frame.start)
    with pytest.raises(SurvivalInputError, match="entry, strata and weights"):
        proportional_hazards_test(fit, frame[HEART_X], frame.stop, frame.event)


def test_strata_must_match_the_fit(lung_fit: tuple[pd.DataFrame, CoxResult]) -> None:
    frame, fit = lung_fit
    with pytest.raises(SurvivalInputError, match="strata has levels"):
        proportional_hazards_test(fit, frame[LUNG_X], frame.time, frame.status, strata=frame.sex)
    veteran = _veteran()
    stratified = cox(veteran[VETERAN_X], veteran.time, veteran.status, strata=veteran.prior)
    with pytest.raises(SurvivalInputError, match=r"strata has levels \[None\]"):
        proportional_hazards_test(stratified, veteran[VETERAN_X], veteran.time, veteran.status)


def test_other_columns_are_rejected(lung_fit: tuple[pd.DataFrame, CoxResult]) -> None:
    frame, fit = lung_fit
    with pytest.raises(SurvivalInputError, match="new_X has columns"):
        proportional_hazards_test(fit, frame[["age", "sex"]], frame.time, frame.status)
    array_fit = cox(frame[LUNG_X].to_numpy(), frame.time, frame.status)
    with pytest.raises(SurvivalInputError, match="has 3 coefficient"):
        proportional_hazards_test(array_fit, frame[["age", "sex"]].to_numpy(), frame.time, frame.status)


def test_unknown_transform_is_rejected(lung_fit: tuple[pd.DataFrame, CoxResult]) -> None:
    frame, fit = lung_fit
    with pytest.raises(SurvivalInputError, match="transform must be one of"):
        proportional_hazards_test(fit, frame[LUNG_X], frame.time, frame.status, transform="sqrt")


def test_transform_of_the_wrong_shape_is_rejected(lung_fit: tuple[pd.DataFrame, CoxResult]) -> None:
    frame, fit = lung_fit
    with pytest.raises(SurvivalInputError, match="transform returned shape"):
        proportional_hazards_test(fit, frame[LUNG_X], frame.time, frame.status, transform=lambda t: t[:-1])


def test_log_transform_of_a_zero_time_is_rejected() -> None:
    frame = _heart()
    fit = cox(frame[HEART_X], frame.stop, frame.event, entry=frame.start)
    # heart's exit times are positive; a function giving -inf at the first row is rejected by row
    with pytest.raises(SurvivalInputError, match="at row 0"):
        proportional_hazards_test(
            fit,
            frame[HEART_X],
            frame.stop,
            frame.event,
            entry=frame.start,
            transform=lambda t: np.where(np.arange(t.shape[0]) == 0, -np.inf, t),
        )
