"""Refusals (every rule), the JSON round trip, deterministic fits and the prediction's shape."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest

from remission.analysis.prediction import (
    INTERVAL_METHOD,
    ModelSet,
    Prediction,
    PredictionSettings,
    Refusal,
    fit_prediction_models,
    predict,
)
from remission.analysis.prediction.model import REFUSAL_RULES
from remission.analysis.prediction.predict import horizon_label

from .conftest import CANDIDATES, CUTOFF

BASE = CANDIDATES[0]


def _refused(model_set: ModelSet, candidate: dict) -> Refusal:
    result = predict(model_set, candidate)
    assert isinstance(result, Refusal), result
    assert result.rule in REFUSAL_RULES
    assert result.model_version == model_set.version
    return result


@pytest.mark.parametrize(
    ("key", "predictor"),
    [
        ("age_years", "age"),
        ("sex", "sex"),
        ("disease", "disease"),
        ("hct_ci_score", "hct_ci"),
        ("ecog", "performance"),
        ("intensity", "intensity"),
        ("infusion_year", "era"),
        ("centre_experience", "experienced"),
    ],
)
def test_a_missing_predictor_is_refused_by_name(model_set: ModelSet, key: str, predictor: str) -> None:
    candidate = {k: v for k, v in BASE.items() if k != key}
    refusal = _refused(model_set, candidate)
    assert (refusal.predictor, refusal.rule) == (predictor, "missing")
    assert "missing" in refusal.reason


@pytest.mark.parametrize(("key", "value"), [("sex", "unknown"), ("intensity", "unknown"), ("intensity", "")])
def test_unknown_is_missing(model_set: ModelSet, key: str, value: str) -> None:
    refusal = _refused(model_set, {**BASE, key: value})
    assert (refusal.predictor, refusal.rule) == (key, "missing")


@pytest.mark.parametrize(
    ("change", "predictor"),
    [
        ({"age_years": "fifty"}, "age"),
        ({"age_years": True}, "age"),
        ({"sex": "x"}, "sex"),
        ({"hct_ci_score": -1}, "hct_ci"),
        ({"hct_ci_score": 1.5}, "hct_ci"),
        ({"ecog": 7}, "performance"),
        ({"ecog": 0, "karnofsky": 70}, "performance"),  # two scales that disagree
        ({"intensity": "medium"}, "intensity"),
        ({"infusion_year": 2020.5}, "era"),
        ({"centre_experience": -1}, "experienced"),
        ({"centre_experience": None, "experienced": "yes"}, "experienced"),
    ],
)
def test_an_invalid_value_is_refused(model_set: ModelSet, change: dict, predictor: str) -> None:
    refusal = _refused(model_set, {**BASE, **change})
    assert (refusal.predictor, refusal.rule) == (predictor, "invalid")


def test_a_disease_with_too_few_patients_is_refused_with_the_count(model_set: ModelSet) -> None:
    assert model_set.diseases_left_out == ("ra",)
    refusal = _refused(model_set, {**BASE, "disease": "ra"})
    assert (refusal.predictor, refusal.rule) == ("disease", "disease_not_in_model")
    assert "25 patients" in refusal.reason and "minimum of 30" in refusal.reason
    absent = _refused(model_set, {**BASE, "disease": "pots"})
    assert absent.rule == "disease_not_in_model" and "no patients" in absent.reason


@pytest.mark.parametrize(
    ("change", "predictor"),
    [({"age_years": 17.9}, "age"), ({"age_years": 66}, "age"), ({"hct_ci_score": 8}, "hct_ci")],
)
def test_outside_the_fitted_range_is_refused(model_set: ModelSet, change: dict, predictor: str) -> None:
    low, high = model_set.design.age_range
    assert (low, high) == (18.04, 65.92)  # min and max age of the fitted rows
    assert model_set.design.hct_ci_range == (0.0, 7.0)
    refusal = _refused(model_set, {**BASE, **change})
    assert (refusal.predictor, refusal.rule) == (predictor, "outside_range")


def test_the_range_ends_are_inside(model_set: ModelSet) -> None:
    for age in model_set.design.age_range:
        assert isinstance(predict(model_set, {**BASE, "age_years": age}), Prediction)


def test_a_level_never_seen_is_refused(model_set: ModelSet, data: pd.DataFrame) -> None:
    refusal = _refused(model_set, {**BASE, "infusion_year": 1998})  # no infusion before 2003
    assert (refusal.predictor, refusal.rule) == ("era", "level_not_seen")
    assert "≤1999" in refusal.reason
    no_low = fit_prediction_models(data[data["intensity"] != "low"], cutoff=CUTOFF)
    assert "low" not in no_low.design.factor("intensity").levels
    refusal = _refused(no_low, {**BASE, "intensity": "low"})
    assert (refusal.predictor, refusal.rule) == ("intensity", "level_not_seen")


def test_diseases_not_selected_are_not_in_the_model(data: pd.DataFrame) -> None:
    chosen = fit_prediction_models(data, PredictionSettings(diseases=("ssc", "ms")), cutoff=CUTOFF)
    assert chosen.design.factor("disease").levels == ("ssc", "ms")
    refusal = _refused(chosen, {**BASE, "disease": "crohn"})
    assert refusal.rule == "disease_not_in_model"


def test_model_set_round_trips_through_json_exactly(model_set: ModelSet) -> None:
    text = json.dumps(model_set.to_dict())
    again = ModelSet.from_dict(json.loads(text))
    assert again == model_set
    assert again.version == model_set.version and again.cutoff == CUTOFF
    assert json.dumps(again.to_dict()) == text
    assert ModelSet.from_json(model_set.to_json()) == model_set
    for candidate in CANDIDATES:
        assert predict(again, candidate) == predict(model_set, candidate)


def test_prediction_and_refusal_round_trip(model_set: ModelSet) -> None:
    prediction = predict(model_set, BASE)
    assert isinstance(prediction, Prediction)
    assert Prediction.from_dict(json.loads(json.dumps(prediction.to_dict()))) == prediction
    refusal = _refused(model_set, {**BASE, "disease": "ra"})
    assert Refusal.from_dict(json.loads(json.dumps(refusal.to_dict()))) == refusal


def test_a_wrong_format_is_not_read(model_set: ModelSet) -> None:
    data = {**model_set.to_dict(), "format": "something else"}
    with pytest.raises(ValueError, match="not a prediction model set"):
        ModelSet.from_dict(data)


def test_fitting_twice_gives_identical_models(model_set: ModelSet, data: pd.DataFrame) -> None:
    again = fit_prediction_models(data.copy(), cutoff=CUTOFF)
    assert again == model_set
    assert again.to_json() == model_set.to_json()
    changed = fit_prediction_models(data.iloc[1:], cutoff=CUTOFF)
    assert changed.version != model_set.version
    assert model_set.version.startswith("pm-2025-06-30-")


def test_too_few_events_per_parameter_is_an_error(data: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="per parameter"):
        fit_prediction_models(data, PredictionSettings(min_events_per_parameter=100), cutoff=CUTOFF)


def test_the_model_keeps_what_the_brief_lists(model_set: ModelSet) -> None:
    assert [m.endpoint for m in model_set.models] == ["OS", "PFS", "NRM"]
    assert [m.method for m in model_set.models] == [
        "Cox (Efron ties)",
        "Cox (Efron ties)",
        "Fine-Gray (relapse/progression competing)",
    ]
    p = len(model_set.design.columns)
    assert p == 13
    for model in model_set.models:
        assert model.n == model_set.n == 835
        assert len(model.coef) == p and len(model.covariance) == p and len(model.covariance[0]) == p
        assert model.baseline_times == tuple(sorted(model.baseline_times))
        assert model.baseline_cumhaz == tuple(sorted(model.baseline_cumhaz))
        assert model.events_per_parameter == model.events / p
    nrm = model_set.model("NRM")
    assert nrm.competing is not None and nrm.competing > 0
    assert dict(model_set.disease_counts)["ra"] == 25


def test_prediction_words(model_set: ModelSet) -> None:
    prediction = predict(
        model_set, {**{k: v for k, v in BASE.items() if k != "ecog"}, "findings": {"ecog": 1}}
    )
    assert isinstance(prediction, Prediction)
    assert prediction == predict(model_set, BASE)  # ECOG under findings, as a screening candidate has it
    assert prediction.interval_method == INTERVAL_METHOD
    assert model_set.version in prediction.sentence
    assert "not the effect of any choice" in prediction.sentence
    assert "95 % interval" in prediction.sentence and "100 days" in prediction.sentence
    assert dict(prediction.predictors)["experienced"] == "yes"  # 30 earlier procedures ≥ 23


def test_no_event_by_the_horizon_gives_a_degenerate_interval(model_set: ModelSet) -> None:
    early = dataclasses.replace(
        model_set, settings=dataclasses.replace(model_set.settings, nrm_horizons=(0.5,))
    )
    risk = predict(early, BASE).risk("NRM", 0.5)
    assert (risk.estimate, risk.lower, risk.upper) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize(("days", "label"), [(100.0, "100 days"), (365.25, "1 year"), (1826.25, "5 years")])
def test_horizon_labels(days: float, label: str) -> None:
    assert horizon_label(days) == label


def test_fixed_knots_are_a_setting(data: pd.DataFrame) -> None:
    fixed = fit_prediction_models(data, PredictionSettings(knots=(25.0, 40.0, 55.0)), cutoff=CUTOFF)
    assert fixed.design.knots == (25.0, 40.0, 55.0)
    assert fixed.settings.knots == (25.0, 40.0, 55.0)
    with pytest.raises(ValueError, match="spline knots"):
        PredictionSettings(knots=(40.0, 25.0, 55.0))


def test_an_analysis_set_gives_its_cut_off(model_set: ModelSet, data: pd.DataFrame) -> None:
    from remission.analysis.dataset import AnalysisSet

    analysis_set = AnalysisSet(frame=data, findings=pd.DataFrame(), excluded=(), cutoff=CUTOFF)
    assert fit_prediction_models(analysis_set) == model_set
