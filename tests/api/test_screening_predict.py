"""``POST /api/screening?predict=true``: the same prediction dict as the command line, the refusal, the
intensity comparison, no model, and the OpenAPI document naming the parameter and the answer's shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from remission.analysis.prediction import ModelSet, Prediction, predict
from remission.analysis.prediction.bedside import COMPARISON_CAVEAT, NO_MODEL_TEXT, predict_for_candidate
from tests.prediction_support import SSC_PREDICTORS, reference_model_set, ssc_candidate, use_model_set

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
URL = "/api/screening"


@pytest.fixture(scope="module")
def model_set() -> ModelSet:
    return reference_model_set()


@pytest.fixture
def stored(monkeypatch: pytest.MonkeyPatch, model_set: ModelSet) -> ModelSet:
    return use_model_set(monkeypatch, model_set)


candidate = ssc_candidate


def post(client: Client, body: Any, query: str = "?predict=true") -> Any:
    return client.post(URL + query, body, content_type="application/json")


def test_the_answer_carries_the_prediction(token_for: Any, stored: ModelSet) -> None:
    response = post(Client(**token_for("viewer_a")), candidate())
    assert response.status_code == 200
    answer = response.json()
    assert answer["verdict"] == "eligible"
    prediction = answer["prediction"]
    assert prediction["status"] == "predicted" and prediction["model_version"] == stored.version
    assert prediction["model"]["cutoff"] == "2025-06-30"
    expected = predict(stored, SSC_PREDICTORS)
    assert isinstance(expected, Prediction)
    assert [
        (r["endpoint"], r["horizon_days"], r["estimate"], r["lower"], r["upper"]) for r in prediction["risks"]
    ] == [(r.endpoint, r.horizon_days, r.estimate, r.lower, r.upper) for r in expected.risks]
    assert prediction["sentence"] == expected.sentence
    # the same dict as the command line's and the page's (one function below the faces)
    assert prediction == json.loads(json.dumps(predict_for_candidate(stored, candidate())))


def test_the_comparison_rows_are_predict_by_intensity(token_for: Any, stored: ModelSet) -> None:
    comparison = post(Client(**token_for("viewer_a")), candidate()).json()["prediction"]["comparison"]
    assert comparison["caveat"] == COMPARISON_CAVEAT
    assert [(r["intensity"], r["current"]) for r in comparison["rows"]] == [
        ("low", False),
        ("intermediate", True),
        ("high", False),
    ]
    for row in comparison["rows"]:
        expected = predict(stored, {**SSC_PREDICTORS, "intensity": row["intensity"]})
        assert isinstance(expected, Prediction)
        assert [r["estimate"] for r in row["risks"]] == [r.estimate for r in expected.risks]


def test_the_centre_setting_chooses_the_intensities(
    token_for: Any, stored: ModelSet, world: Any, settings: Any
) -> None:
    settings.REMISSION_PREDICTION_INTENSITIES = {world.centre_a.code: ["high", "low"]}
    rows = post(Client(**token_for("viewer_a")), candidate()).json()["prediction"]["comparison"]["rows"]
    assert [r["intensity"] for r in rows] == ["high", "low"]
    rows = post(Client(**token_for("dm_b")), candidate()).json()["prediction"]["comparison"]["rows"]
    assert [r["intensity"] for r in rows] == ["low", "intermediate", "high"]  # centre B: not in the setting


def test_a_refusal_has_its_reason(token_for: Any, stored: ModelSet) -> None:
    body = candidate()
    del body["centre_experience"]
    # the statistician reads every centre: no one centre's experience to take from the registry
    prediction = post(Client(**token_for("stat")), body).json()["prediction"]
    assert prediction["status"] == "refused" and prediction["risks"] == []
    assert prediction["refusal"]["predictor"] == "experienced"
    assert prediction["refusal"]["reason"].startswith("centre experience is missing: give centre_experience")


def test_no_stored_model(token_for: Any) -> None:
    response = post(Client(**token_for("viewer_a")), candidate())
    assert response.status_code == 200
    assert response.json()["prediction"]["status"] == "no_model"
    assert response.json()["prediction"]["message"] == NO_MODEL_TEXT


def test_without_predict_there_is_no_prediction(token_for: Any, stored: ModelSet) -> None:
    for query in ("", "?predict=false"):
        response = post(Client(**token_for("viewer_a")), candidate(), query)
        assert response.status_code == 200 and response.json()["prediction"] is None


def test_a_read_token_may_predict(token_for: Any, stored: ModelSet, world: Any) -> None:
    from remission.registry.services.tokens import token_create

    _, raw = token_create(actor=world.users["dm_a"], name="read", scope="read")
    response = post(Client(HTTP_AUTHORIZATION=f"Bearer {raw}"), candidate())
    assert response.status_code == 200 and response.json()["prediction"]["status"] == "predicted"


def test_the_openapi_document_names_the_parameter_and_the_shape() -> None:
    document = Client().get("/api/openapi.json").json()
    operation = document["paths"]["/api/screening"]["post"]
    assert [(p["name"], p["in"]) for p in operation["parameters"]] == [("predict", "query")]
    schemas = document["components"]["schemas"]
    assert {"status", "risks", "refusal", "comparison", "model"} <= set(
        schemas["PredictionOut"]["properties"]
    )
    assert "prediction" in schemas["ScreeningOut"]["properties"]


def test_a_centre_user_gets_the_centre_experience_from_the_registry(
    token_for: Any, stored: ModelSet, world: Any
) -> None:
    # the world records one course per centre: centre A has one autologous HSC infusion (2022)
    assert world.infusion_a.product.product_type == "auto_hsc"
    body = candidate()
    del body["centre_experience"]
    prediction = post(Client(**token_for("viewer_a")), body).json()["prediction"]
    assert prediction["status"] == "predicted"
    words = "centre experience not given: taken from the registry, 1 HSC procedure(s) at centre"
    assert prediction["assumptions"][0].startswith(f"{words} {world.centre_a.code} up to ")
    expected = predict(stored, {**SSC_PREDICTORS, "centre_experience": 1})
    assert isinstance(expected, Prediction)
    assert [r["estimate"] for r in prediction["risks"]] == [r.estimate for r in expected.risks]
