"""The prediction at the bedside: a screening candidate's predictors, the answer dict, the refusals with
their reasons, and the comparison of intensities (each row is ``predict`` with that intensity)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from remission.analysis.prediction import ModelSet, Prediction, bedside, predict
from remission.analysis.prediction.bedside import (
    COMPARISON_CAVEAT,
    NO_VALIDATION,
    candidate_inputs,
    compare_intensities,
    predict_for_candidate,
)
from remission.analysis.prediction.predict import INTERVAL_METHOD
from tests.prediction_support import SSC_PREDICTORS

ROOT = Path(__file__).resolve().parents[3]
SSC = ROOT / "docs" / "examples" / "candidate-ssc.json"
TODAY = dt.date(2026, 3, 1)


def ssc(**change: Any) -> dict[str, Any]:
    candidate = json.loads(SSC.read_text(encoding="utf-8"))
    candidate.update(infusion_year=2024, centre_experience=30)
    for key, value in change.items():
        if value is None:
            candidate.pop(key, None)
        else:
            candidate[key] = value
    return candidate


def risks_of(result: Any) -> list[tuple[str, float, float, float, float]]:
    assert isinstance(result, Prediction), result
    return [(r.endpoint, r.horizon_days, r.estimate, r.lower, r.upper) for r in result.risks]


def rows(answer: list[dict[str, Any]] | dict[str, Any]) -> list[tuple[str, float, float, float, float]]:
    risks = answer if isinstance(answer, list) else answer["risks"]
    return [(r["endpoint"], r["horizon_days"], r["estimate"], r["lower"], r["upper"]) for r in risks]


def test_the_candidate_maps_onto_the_predictors() -> None:
    inputs = candidate_inputs(ssc(), today=TODAY)
    assert {k: v for k, v in inputs.values.items() if v is not None} == SSC_PREDICTORS
    assert inputs.missing_reasons == {} and inputs.assumptions == ()


def test_the_prediction_is_predict_on_the_mapped_candidate(model_set: ModelSet) -> None:
    answer = predict_for_candidate(model_set, ssc(), today=TODAY)
    assert answer["status"] == "predicted" and answer["refusal"] is None
    assert rows(answer) == risks_of(predict(model_set, SSC_PREDICTORS))
    assert answer["sentence"] == predict(model_set, SSC_PREDICTORS).sentence
    # six risks: OS and PFS at 1 and 5 years, NRM at 100 days and 1 year, each with its 95 % interval
    assert [(r["endpoint"], r["horizon"]) for r in answer["risks"]] == [
        ("OS", "1 year"),
        ("OS", "5 years"),
        ("PFS", "1 year"),
        ("PFS", "5 years"),
        ("NRM", "100 days"),
        ("NRM", "1 year"),
    ]
    assert all(r["lower"] <= r["estimate"] <= r["upper"] and r["conf_level"] == 0.95 for r in answer["risks"])
    assert answer["risks"][4]["label"] == "Non-relapse mortality at 100 days"


def test_the_answer_names_the_model_and_is_json(model_set: ModelSet) -> None:
    answer = predict_for_candidate(model_set, ssc(), today=TODAY)
    assert answer["model_version"] == model_set.version == answer["model"]["version"]
    assert answer["model"]["cutoff"] == "2025-06-30" and answer["model"]["n"] == model_set.n
    assert answer["model"]["methods"]["NRM"].startswith("Fine-Gray")
    assert answer["model"]["calibration"] == {"available": False, "lines": [NO_VALIDATION], "items": []}
    assert json.loads(json.dumps(answer, allow_nan=False)) == answer


def test_each_intensity_row_is_predict_with_that_intensity(model_set: ModelSet) -> None:
    table = compare_intensities(model_set, ssc(), today=TODAY)
    assert [(r["intensity"], r["current"]) for r in table] == [
        ("low", False),
        ("intermediate", True),
        ("high", False),
    ]
    for row in table:
        expected = predict(model_set, {**SSC_PREDICTORS, "intensity": row["intensity"]})
        assert row["status"] == "predicted"
        assert rows(row["risks"]) == risks_of(expected)
    # the rows differ: intensity is in the models
    assert table[0]["risks"][0]["estimate"] != table[2]["risks"][0]["estimate"]


def test_the_comparison_is_flagged_as_associations(model_set: ModelSet) -> None:
    answer = predict_for_candidate(model_set, ssc(), intensities=("high", "low"), today=TODAY)
    comparison = answer["comparison"]
    assert comparison["caveat"] == COMPARISON_CAVEAT
    assert "observational" in COMPARISON_CAVEAT and "not effects of the regimen" in COMPARISON_CAVEAT
    assert [r["intensity"] for r in comparison["rows"]] == ["high", "low"]
    assert [(c["endpoint"], c["horizon"]) for c in comparison["columns"]] == [
        (r["endpoint"], r["horizon"]) for r in answer["risks"]
    ]


def test_an_intensity_not_offered_by_the_models_is_an_error(model_set: ModelSet) -> None:
    with pytest.raises(ValueError, match="'medium' is not one of low, intermediate, high"):
        compare_intensities(model_set, ssc(), ("low", "medium"))


@pytest.mark.parametrize(
    ("change", "predictor", "rule", "reason"),
    [
        ({"centre_experience": None}, "experienced", "missing", bedside.NO_CENTRE_EXPERIENCE),
        ({"regimen": None}, "intensity", "missing", bedside.NO_REGIMEN),
        ({"sex": "unknown"}, "sex", "missing", "sex is missing: the models need it"),
        ({"age_years": 70}, "age", "outside_range", "age 70 is outside the range of the model's data"),
        ({"disease": "ra", "guideline": None}, "disease", "disease_not_in_model", "disease 'ra' had 25"),
        ({"disease": "t1d"}, "disease", "disease_not_in_model", "disease 't1d' had no patients"),
    ],
)
def test_refusals_carry_their_reason(
    model_set: ModelSet, change: dict[str, Any], predictor: str, rule: str, reason: str
) -> None:
    answer = predict_for_candidate(model_set, ssc(**change), today=TODAY)
    assert answer["status"] == "refused" and answer["risks"] == [] and answer["sentence"] == ""
    refusal = answer["refusal"]
    assert (refusal["predictor"], refusal["rule"]) == (predictor, rule)
    assert refusal["reason"].startswith(reason)


def test_without_a_regimen_the_comparison_still_predicts(model_set: ModelSet) -> None:
    answer = predict_for_candidate(model_set, ssc(regimen=None, mobilisation=None), today=TODAY)
    assert answer["status"] == "refused" and answer["refusal"]["predictor"] == "intensity"
    for row in answer["comparison"]["rows"]:
        assert row["current"] is False and row["status"] == "predicted"
        expected = predict(model_set, {**SSC_PREDICTORS, "intensity": row["intensity"]})
        assert rows(row["risks"]) == risks_of(expected)


def test_a_regimen_without_an_intensity_class_is_refused_by_name(model_set: ModelSet) -> None:
    answer = predict_for_candidate(model_set, ssc(regimen="flu_cy"), today=TODAY)
    assert answer["refusal"]["predictor"] == "intensity"
    reason = answer["refusal"]["reason"]
    assert reason.startswith("intensity is missing: regimen flu_cy has no intensity class")


def test_an_hct_ci_not_computable_is_refused_with_what_is_missing(model_set: ModelSet) -> None:
    candidate = ssc()
    del candidate["hct_ci"]["diabetes"]
    answer = predict_for_candidate(model_set, candidate, today=TODAY)
    assert (answer["refusal"]["predictor"], answer["refusal"]["rule"]) == ("hct_ci", "missing")
    assert answer["refusal"]["reason"] == bedside.HCT_CI_NOT_COMPUTABLE.format(missing="diabetes")


def test_a_refusal_for_another_predictor_refuses_every_row(model_set: ModelSet) -> None:
    answer = predict_for_candidate(model_set, ssc(centre_experience=None), today=TODAY)
    assert {r["status"] for r in answer["comparison"]["rows"]} == {"refused"}
    assert {r["refusal"]["reason"] for r in answer["comparison"]["rows"]} == {bedside.NO_CENTRE_EXPERIENCE}


def test_hct_ci_age_is_read_without_the_age_point(model_set: ModelSet) -> None:
    candidate = ssc(hct_ci_settings={"variant": "hct_ci_age"})  # 42 years: HCT-CI/age 3 + 1 = 4
    inputs = candidate_inputs(candidate, today=TODAY)
    assert inputs.values["hct_ci_score"] == 3
    assert inputs.assumptions == (bedside.HCT_CI_WITHOUT_AGE.format(score=3),)
    assert rows(predict_for_candidate(model_set, candidate, today=TODAY)) == risks_of(
        predict(model_set, SSC_PREDICTORS)
    )


def test_no_infusion_year_means_this_year_said_aloud(model_set: ModelSet) -> None:
    answer = predict_for_candidate(model_set, ssc(infusion_year=None), today=dt.date(2024, 5, 1))
    assert answer["inputs"]["infusion_year"] == 2024
    assert answer["assumptions"] == [bedside.YEAR_ASSUMED.format(year=2024)]
    assert rows(answer) == risks_of(predict(model_set, SSC_PREDICTORS))


def test_calibration_from_a_stored_validation() -> None:
    # the shape of remission.analysis.prediction.validate.Validation.to_dict(), cut to what is read
    validation = {
        "results": [
            {"endpoint": "OS", "horizon": "1 year", "horizon_days": 365.25,
             "apparent": {"calibration_slope": 0.91, "scaled_brier": 0.12},
             "corrected": {"calibration_slope": 0.87, "scaled_brier": 0.104}},
            {"endpoint": "NRM", "horizon": "100 days", "horizon_days": 100.0,
             "apparent": {"calibration_slope": 1.04, "scaled_brier": 0.031},
             "corrected": {"calibration_slope": None}},
        ]
    }  # fmt: skip
    found = bedside.calibration(validation)
    assert found["available"] is True
    assert found["lines"] == [
        "OS at 1 year: calibration slope 0.87 (optimism-corrected), scaled Brier 0.10 (optimism-corrected)",
        "NRM at 100 days: calibration slope 1.04 (apparent), scaled Brier 0.03 (apparent)",
    ]
    assert bedside.calibration({"results": []})["lines"] == [NO_VALIDATION]
    assert bedside.calibration(None)["available"] is False


def test_the_text_says_the_prediction_the_refusal_and_no_model(model_set: ModelSet) -> None:
    text = bedside.to_text(predict_for_candidate(model_set, ssc(), today=TODAY))
    expected = predict(model_set, SSC_PREDICTORS)
    assert isinstance(expected, Prediction)
    nrm = expected.risks[4]
    assert f"Non-relapse mortality at 100 days: {100 * nrm.estimate:.0f} % (95 % interval " in text
    assert f"model {model_set.version} (data cut-off 2025-06-30, {model_set.n} patients)" in text
    assert COMPARISON_CAVEAT in text and "intermediate (this regimen): OS 1 year" in text
    assert f"  Intervals: {INTERVAL_METHOD}" in text.splitlines()
    refused = bedside.to_text(predict_for_candidate(model_set, ssc(age_years=70), today=TODAY))
    assert "No prediction: age 70 is outside the range of the model's data" in refused
    assert bedside.to_text(bedside.no_model()) == "Predicted outcomes: " + bedside.NO_MODEL_TEXT


def test_calibration_reads_a_real_validation(model_set: ModelSet, data: Any) -> None:
    from remission.analysis.prediction.validate import validate_model_set

    frame = data.assign(centre=[f"c{i % 3}" for i in range(len(data))])
    stored = json.loads(
        json.dumps(validate_model_set(frame, model_set, model_set.settings, bootstrap=2).to_dict())
    )
    found = bedside.calibration(stored)
    assert [(i["endpoint"], i["horizon"]) for i in found["items"]] == [
        ("OS", "1 year"),
        ("OS", "5 years"),
        ("PFS", "1 year"),
        ("PFS", "5 years"),
        ("NRM", "100 days"),
        ("NRM", "1 year"),
    ]
    for item, result in zip(found["items"], stored["results"], strict=True):
        assert item["calibration_slope"] == result["corrected"]["calibration_slope"]
        assert item["scaled_brier"] == result["corrected"]["scaled_brier"]
    answer = predict_for_candidate(model_set, ssc(), validation=stored, today=TODAY)
    assert answer["model"]["calibration"] == found
    text = bedside.to_text(answer).splitlines()
    start = text.index("  Calibration (stored validation):")
    assert text[start + 1 : start + 7] == [f"    {line}" for line in found["lines"]]
