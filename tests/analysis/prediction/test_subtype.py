"""Disease subtype as a predictor: its coding nested within disease on a hand-built frame (columns and
values written by hand), rare and unrecorded subtypes pooled with the reference, the spec's round trip, a
candidate's subtype (modelled, pooled with a note, unknown code refused), the events-per-parameter check
counting the subtype columns, and predictions with a subtype equal to R's
(tests/reference/prediction/make_subtype_reference.R; survival 3.5.3, cmprsk 2.2-11)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from remission.analysis.prediction import (
    ModelSet,
    Prediction,
    PredictionSettings,
    Refusal,
    fit_prediction_models,
    predict,
)
from remission.analysis.prediction.design import DesignSpec, Subtypes, build_design, predictor_frame
from remission.analysis.prediction.model import REFUSAL_RULES
from remission.analysis.prediction.predict import candidate_predictors

from .conftest import CANDIDATES, CUTOFF, REF

SUBTYPE_DATA = REF / "data_prediction_subtype.csv"
SUBTYPE_EXPECTED = REF / "expected_subtype_predictions.csv"
SSC, MS, CROHN = CANDIDATES[0], CANDIDATES[1], CANDIDATES[2]

# 26 patients: 10 MS, 10 SSc, 3 Crohn's, 3 SLE; the subtypes as recorded (None and "" both unrecorded;
# "bogus" is no SSc subtype code, so it counts as unrecorded; "juvenile" is a code of both SSc and SLE)
SUBTYPES = (
    ["rrms"] * 4 + ["spms"] * 3 + ["ppms", "", None]
    + ["juvenile"] * 3 + ["diffuse"] * 3 + ["bogus"] * 4
    + ["ileal", "", ""]
    + ["juvenile", "juvenile", "adult"]
)  # fmt: skip
DISEASES = ["ms"] * 10 + ["ssc"] * 10 + ["crohn"] * 3 + ["sle"] * 3


def _frame() -> pd.DataFrame:
    n = len(SUBTYPES)
    return pd.DataFrame(
        {
            "age": [20.0 + i for i in range(n)],
            "sex": ["female" if i % 2 == 0 else "male" for i in range(n)],  # 13 each
            "disease": DISEASES,
            "subtype": SUBTYPES,
            "hct_ci": [i % 3 for i in range(n)],
            "performance_scale": ["ecog"] * n,
            "performance_score": [i % 2 for i in range(n)],  # 13 ECOG 0 (normal), 13 ECOG 1
            "intensity": [("low", "intermediate", "high")[i % 3] for i in range(n)],  # 9, 9, 8
            "infusion_year": [2015] * n,
            "centre_experience": [30] * n,
        }
    )


def test_subtype_is_coded_nested_within_disease_by_hand() -> None:
    settings = PredictionSettings(min_patients_per_subtype=3)
    coded = predictor_frame(_frame(), settings)
    # unrecorded, blank and unknown codes are "" (not missing): every row stays a complete case
    assert list(coded["subtype"]) == (
        ["rrms"] * 4 + ["spms"] * 3 + ["ppms", "", ""]
        + ["juvenile"] * 3 + ["diffuse"] * 3 + [""] * 4
        + ["ileal", "", ""]
        + ["juvenile", "juvenile", "adult"]
    )  # fmt: skip
    assert len(coded.dropna()) == len(coded) == 26
    spec, X = build_design(coded, settings)
    # disease: ms and ssc tie at 10, ms first alphabetically is the reference. Subtypes: ms's reference is
    # rrms (4), spms (3 >= 3) has a column, ppms (1) is pooled; ssc's diffuse and juvenile tie at 3
    # (bogus's 4 do not count): diffuse (first alphabetically) is the reference, juvenile has a column;
    # crohn has only ileal recorded and sle juvenile 2, adult 1: no column. Sex: female and male tie at 13,
    # female first; performance normal and reduced 13 each, normal first; intensity intermediate and low
    # tie at 9: intermediate first; era and experience one level each: no column.
    assert spec.subtypes == (Subtypes("ms", ("rrms", "spms")), Subtypes("ssc", ("diffuse", "juvenile")))
    assert spec.columns == (
        "age",
        "age'",
        "sexmale",
        "diseasecrohn",
        "diseasesle",
        "diseasessc",
        "diseasems:subtypespms",
        "diseasessc:subtypejuvenile",
        "hct_ci",
        "performancereduced",
        "intensityhigh",
        "intensitylow",
    )
    spms = [0] * 4 + [1] * 3 + [0] * 3 + [0] * 10 + [0] * 3 + [0] * 3
    juvenile = [0] * 10 + [1] * 3 + [0] * 3 + [0] * 4 + [0] * 3 + [0] * 3  # SLE's juvenile: not SSc's
    np.testing.assert_array_equal(X["diseasems:subtypespms"].to_numpy(), spms)
    np.testing.assert_array_equal(X["diseasessc:subtypejuvenile"].to_numpy(), juvenile)
    np.testing.assert_array_equal(X["diseasessc"].to_numpy(), [0] * 10 + [1] * 10 + [0] * 6)


def test_the_minimum_is_at_least_and_rarer_subtypes_are_pooled() -> None:
    coded = predictor_frame(_frame())
    spec, _ = build_design(coded, PredictionSettings(min_patients_per_subtype=4))
    # spms and SSc's juvenile have 3 patients each, under 4: no subtype column at all
    assert spec.subtypes == ()
    assert not any(":subtype" in c for c in spec.columns)
    assert len(spec.columns) == 10
    default, _ = build_design(coded)  # default minimum 50
    assert default.subtypes == ()


def test_a_frame_without_subtypes_records_none() -> None:
    coded = predictor_frame(_frame().drop(columns="subtype"))
    assert set(coded["subtype"]) == {""}
    spec, _ = build_design(coded, PredictionSettings(min_patients_per_subtype=1))
    assert spec.subtypes == ()


def test_the_spec_with_subtypes_round_trips_through_json() -> None:
    settings = PredictionSettings(min_patients_per_subtype=3)
    spec, _ = build_design(predictor_frame(_frame(), settings), settings)
    data = json.loads(json.dumps(spec.to_dict()))
    assert data["subtypes"] == [
        {"disease": "ms", "levels": ["rrms", "spms"]},
        {"disease": "ssc", "levels": ["diffuse", "juvenile"]},
    ]
    assert DesignSpec.from_dict(data) == spec
    # a spec stored before subtypes (no "subtypes", columns without them) reads as having none
    old = {k: v for k, v in data.items() if k != "subtypes"}
    old["columns"] = [c for c in data["columns"] if ":subtype" not in c]
    assert DesignSpec.from_dict(old).subtypes == ()
    # columns that do not follow from the subtypes are an error
    with pytest.raises(ValueError, match="do not follow"):
        DesignSpec.from_dict({**data, "subtypes": data["subtypes"][:1]})


def test_min_patients_per_subtype_is_checked() -> None:
    with pytest.raises(ValueError, match="min_patients_per_subtype"):
        PredictionSettings(min_patients_per_subtype=0)
    assert PredictionSettings().min_patients_per_subtype == 50


# --- fitted on the reference data with subtypes -------------------------------------------------------


@pytest.fixture(scope="module")
def subtype_data() -> pd.DataFrame:
    if not SUBTYPE_DATA.exists():
        pytest.skip(f"{SUBTYPE_DATA.name} absent: run tests/reference/prediction/make_dataset.py")
    return pd.read_csv(SUBTYPE_DATA)  # a blank subtype reads as NaN: unrecorded


@pytest.fixture(scope="module")
def subtype_model_set(subtype_data: pd.DataFrame) -> ModelSet:
    return fit_prediction_models(subtype_data, cutoff=CUTOFF)


def _predicted(model_set: ModelSet, candidate: dict) -> Prediction:
    result = predict(model_set, candidate)
    assert isinstance(result, Prediction), result
    return result


def _refused(model_set: ModelSet, candidate: dict) -> Refusal:
    result = predict(model_set, candidate)
    assert isinstance(result, Refusal), result
    assert result.rule in REFUSAL_RULES
    return result


def test_the_subtype_columns_are_parameters_in_the_events_check(subtype_data: pd.DataFrame) -> None:
    model_set = fit_prediction_models(subtype_data, cutoff=CUTOFF)
    # ssc limited (108 fitted patients) and ms spms (87) reach 50; ppms (29), sine (16), crohn's and
    # sle's other subtypes do not: 13 columns without subtype + 2
    assert [s.disease for s in model_set.design.subtypes] == ["ssc", "ms"]
    nrm = model_set.model("NRM")
    assert len(nrm.coef) == len(model_set.design.columns) == 15
    assert nrm.events_per_parameter == nrm.events / 15
    # 181 non-relapse deaths: 13.9 per parameter for 13 columns, 12.1 for 15. At a minimum of 13 per
    # parameter the same rows fit without the subtype column and are refused with it.
    assert nrm.events == 181
    strict = PredictionSettings(min_events_per_parameter=13.0)
    fit_prediction_models(subtype_data.drop(columns="subtype"), strict, cutoff=CUTOFF)
    with pytest.raises(ValueError, match="NRM: 181 events for 15 parameters"):
        fit_prediction_models(subtype_data, strict, cutoff=CUTOFF)


def test_a_modelled_subtype_sets_its_column(subtype_model_set: ModelSet) -> None:
    from_findings = _predicted(subtype_model_set, {**SSC, "findings": {"ssc_subset": "limited"}})
    top_level = _predicted(subtype_model_set, {**SSC, "subtype": "limited"})
    assert from_findings.risks == top_level.risks
    assert dict(from_findings.predictors)["subtype"] == "limited"
    assert from_findings.notes == () and "Note:" not in from_findings.sentence
    diffuse = _predicted(subtype_model_set, {**SSC, "subtype": "diffuse"})  # the reference: no note either
    assert diffuse.notes == ()
    assert from_findings.risks != diffuse.risks
    coded = candidate_predictors(subtype_model_set, {**MS, "findings": {"ms_course": "spms"}})
    assert isinstance(coded, dict)
    x = dict(zip(subtype_model_set.design.columns, subtype_model_set.design.encode(coded)[0], strict=True))
    assert (x["diseasems:subtypespms"], x["diseasessc:subtypelimited"], x["diseasems"]) == (1.0, 0.0, 1.0)


def test_an_unrecorded_subtype_is_the_reference_with_a_note(subtype_model_set: ModelSet) -> None:
    diffuse = _predicted(subtype_model_set, {**SSC, "subtype": "diffuse"})
    unrecorded = _predicted(subtype_model_set, SSC)
    assert unrecorded.risks == diffuse.risks
    assert dict(unrecorded.predictors)["subtype"] == ""
    (note,) = unrecorded.notes
    assert note.startswith("subtype not given") and "'diffuse'" in note and "50" in note
    assert "Note: Subtype not given" in unrecorded.sentence
    # a finding of another disease's subtype field is not the candidate's subtype
    assert _predicted(subtype_model_set, {**SSC, "findings": {"ms_course": "rrms"}}).notes == (note,)
    assert Prediction.from_dict(json.loads(json.dumps(unrecorded.to_dict()))) == unrecorded


def test_a_rare_subtype_is_pooled_with_the_reference_with_a_note(subtype_model_set: ModelSet) -> None:
    diffuse = _predicted(subtype_model_set, {**SSC, "subtype": "diffuse"})
    sine = _predicted(subtype_model_set, {**SSC, "findings": {"ssc_subset": "sine"}})
    assert sine.risks == diffuse.risks
    assert dict(sine.predictors)["subtype"] == "sine"
    (note,) = sine.notes
    assert "'sine'" in note and "fewer than 50" in note and "'diffuse'" in note


def test_a_disease_without_subtype_columns(subtype_model_set: ModelSet) -> None:
    plain = _predicted(subtype_model_set, CROHN)
    assert plain.notes == ()  # nothing given, nothing modelled: nothing assumed
    ileal = _predicted(subtype_model_set, {**CROHN, "subtype": "ileal"})
    assert ileal.risks == plain.risks
    (note,) = ileal.notes
    assert "'ileal'" in note and "not in the model" in note


@pytest.mark.parametrize(
    "change",
    [
        {"subtype": "bogus"},
        {"subtype": "rrms"},  # an MS code for an SSc candidate
        {"subtype": 3},
        {"findings": {"ssc_subset": "juvenil"}},
    ],
)
def test_an_unknown_subtype_code_is_refused(subtype_model_set: ModelSet, change: dict) -> None:
    refusal = _refused(subtype_model_set, {**SSC, **change})
    assert (refusal.predictor, refusal.rule) == ("subtype", "invalid")
    assert "not valid" in refusal.reason
    assert "one of the subtype codes of ssc: diffuse, limited, sine, juvenile" in refusal.reason


def test_disagreeing_subtypes_are_refused(subtype_model_set: ModelSet) -> None:
    refusal = _refused(
        subtype_model_set, {**SSC, "subtype": "limited", "findings": {"ssc_subset": "diffuse"}}
    )
    assert (refusal.predictor, refusal.rule) == ("subtype", "invalid")
    assert "'limited'" in refusal.reason and "'diffuse'" in refusal.reason


# --- against R -------------------------------------------------------------------------------------------

# the candidates of make_subtype_reference.R, in its order (1..4)
R_CANDIDATES: tuple[dict, ...] = (
    {**SSC, "findings": {"ssc_subset": "limited"}},
    MS,
    {**MS, "subtype": "spms"},
    {**SSC, "subtype": "sine"},
)


@pytest.fixture(scope="module")
def expected() -> dict[tuple[int, str, str], float]:
    if not SUBTYPE_EXPECTED.exists():
        pytest.skip(
            f"{SUBTYPE_EXPECTED.name} absent: run tests/reference/prediction/make_subtype_reference.R"
        )
    table = pd.read_csv(SUBTYPE_EXPECTED, dtype={"key": str}, keep_default_na=False)
    return {(int(r.candidate), r.what, r.key): float(r.value) for r in table.itertuples(index=False)}


def test_design_with_subtypes_matches_r(subtype_model_set: ModelSet, expected: dict) -> None:
    assert subtype_model_set.n == expected[(0, "n", "fitted")]
    names = next(key for (c, what, key) in expected if what == "columns")
    assert list(subtype_model_set.design.columns) == names.split(";")
    for i, candidate in enumerate(R_CANDIDATES, start=1):
        coded = candidate_predictors(subtype_model_set, candidate)
        assert isinstance(coded, dict), coded
        x = subtype_model_set.design.encode(coded)[0]
        want = [expected[(i, "design", name)] for name in subtype_model_set.design.columns]
        # the same closed forms and 0/1 indicators: 1e-12 absolute
        np.testing.assert_allclose(x, want, rtol=0, atol=1e-12)


@pytest.mark.parametrize("endpoint", ["OS", "PFS", "NRM"])
def test_coefficients_with_subtypes_match_r(
    subtype_model_set: ModelSet, expected: dict, endpoint: str
) -> None:
    model = subtype_model_set.model(endpoint)
    want = [expected[(0, f"coef_{endpoint}", name)] for name in model.columns]
    # coxph converges to |1 - L_old/L_new| <= 1e-9, crr to gtol 1e-6: coefficients agree to 1e-6 absolute
    np.testing.assert_allclose(model.coef, want, rtol=0, atol=1e-6)


@pytest.mark.parametrize("index", range(len(R_CANDIDATES)))
def test_predictions_with_subtypes_match_r(subtype_model_set: ModelSet, expected: dict, index: int) -> None:
    result = _predicted(subtype_model_set, R_CANDIDATES[index])
    assert len(result.risks) == 6
    for risk in result.risks:
        key = f"{risk.endpoint}|{risk.horizon_days:.17g}"
        # survfit(coxph) / predict.crr: 1e-6 absolute (the intervals are checked by test_reference.py)
        np.testing.assert_allclose(risk.estimate, expected[(index + 1, "estimate", key)], rtol=0, atol=1e-6)
