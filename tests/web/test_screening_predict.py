"""The screening page's "Predicted outcomes": each risk with its interval, the model's version, cut-off
and calibration, the sentence, the refusal with its reason, the intensity table with its caveat, and
"no model" said plainly. No inline script (the page's CSP)."""

from __future__ import annotations

import html as html_lib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from remission.analysis.prediction import ModelSet, Prediction, predict
from remission.analysis.prediction.bedside import COMPARISON_CAVEAT, NO_MODEL_TEXT, NO_VALIDATION
from remission.analysis.prediction.predict import INTERVAL_METHOD
from remission.web import screening
from tests.prediction_support import SSC_PREDICTORS, reference_model_set, ssc_candidate, use_model_set

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
URL = "/screening/"


@pytest.fixture(scope="module")
def model_set() -> ModelSet:
    return reference_model_set()


@pytest.fixture
def stored(monkeypatch: pytest.MonkeyPatch, model_set: ModelSet) -> ModelSet:
    return use_model_set(monkeypatch, model_set)


candidate = ssc_candidate


def page(client: Any, data: dict[str, Any]) -> str:
    response = client.post(URL, {"candidate_json": json.dumps(data)})
    assert response.status_code == 200
    return html_lib.unescape(response.content.decode())


def section(html: str, testid: str) -> str:
    match = re.search(rf'<(\w+)[^>]*data-testid="{testid}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, f"no element {testid}"
    return match.group(2)


def text(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()


def pct(value: float) -> str:
    return f"{100 * value:.0f} %"


def test_the_page_shows_each_risk_with_its_interval(signed_in: Any, stored: ModelSet) -> None:
    html = page(signed_in("dm_a"), candidate())
    assert 'data-testid="prediction"' in html
    expected = predict(stored, SSC_PREDICTORS)
    assert isinstance(expected, Prediction)
    risks = section(html, "prediction-risks")
    rows = [text(r) for r in re.findall(r"<tr>(.*?)</tr>", risks, re.S)][1:]
    labels = [
        "Overall survival at 1 year",
        "Overall survival at 5 years",
        "Progression-free survival at 1 year",
        "Progression-free survival at 5 years",
        "Non-relapse mortality at 100 days",
        "Non-relapse mortality at 1 year",
    ]
    assert rows == [
        f"{label} {pct(r.estimate)} {pct(r.lower)} to {pct(r.upper)}"
        for label, r in zip(labels, expected.risks, strict=True)
    ]
    assert "95 % interval" in text(risks)
    assert text(section(html, "prediction-sentence")) == expected.sentence
    assert text(section(html, "prediction-interval-method")) == f"Intervals: {INTERVAL_METHOD}"


def test_the_page_names_the_model_and_its_calibration(signed_in: Any, stored: ModelSet) -> None:
    html = page(signed_in("dm_a"), candidate())
    model = text(section(html, "prediction-model"))
    assert model.startswith(f"Model {stored.version} — data cut-off 2025-06-30, {stored.n} patients")
    assert text(section(html, "prediction-calibration")) == "Calibration: " + NO_VALIDATION


def test_the_intensity_table_with_its_caveat(signed_in: Any, stored: ModelSet) -> None:
    html = page(signed_in("dm_a"), candidate())
    assert text(section(html, "comparison-caveat")) == COMPARISON_CAVEAT
    table = section(html, "comparison")
    rows = dict(re.findall(r'<tr data-intensity="(\w+)">(.*?)</tr>', table, re.S))
    assert list(rows) == ["low", "intermediate", "high"]
    assert "this regimen" in rows["intermediate"] and "this regimen" not in rows["low"]
    for intensity, row in rows.items():
        expected = predict(stored, {**SSC_PREDICTORS, "intensity": intensity})
        assert isinstance(expected, Prediction)
        cells = [text(c) for c in re.findall(r'<td class="num">(.*?)</td>', row, re.S)]
        assert cells == [f"{pct(r.estimate)} ({pct(r.lower)[:-2]}–{pct(r.upper)})" for r in expected.risks]


def test_a_refusal_shows_its_reason(signed_in: Any, stored: ModelSet) -> None:
    html = page(signed_in("dm_a"), candidate(age_years=70))
    refusal = text(section(html, "prediction-refusal"))
    assert refusal == (
        "No prediction for this candidate: age 70 is outside the range of the model's data (18.04 to 65.92) "
        "[outside_range]"
    )
    assert 'data-testid="prediction-risks"' not in html


def test_no_stored_model_is_said_plainly(signed_in: Any) -> None:
    html = page(signed_in("dm_a"), candidate())
    assert text(section(html, "prediction-no-model")) == NO_MODEL_TEXT
    assert 'data-testid="comparison"' not in html


def test_nothing_is_predicted_before_screening(signed_in: Any, stored: ModelSet) -> None:
    response = signed_in("dm_a").get(URL)
    assert response.status_code == 200 and 'data-testid="prediction"' not in response.content.decode()


def test_the_form_has_the_prediction_fields(signed_in: Any, stored: ModelSet) -> None:
    form = screening.candidate_form_class("ssc")(
        {"candidate_id": "F1", "disease": "ssc", "infusion_year": "2024", "centre_experience": "30"}
    )
    assert form.is_valid(), form.errors
    made = screening.candidate_from_form(form.cleaned_data)
    assert made is not None and (made["infusion_year"], made["centre_experience"]) == (2024, 30)
    html = html_lib.unescape(signed_in("dm_a").get(URL).content.decode())
    assert 'name="infusion_year"' in html and 'name="centre_experience"' in html
    fields = {"candidate_id": "F1", "disease": "ssc", "infusion_year": "2024", "centre_experience": "30"}
    posted = html_lib.unescape(signed_in("dm_a").post(URL, fields).content.decode())
    # typed in the form, read by the prediction: the refusal is for what is still missing (the age)
    assert text(section(posted, "prediction-refusal")).startswith(
        "No prediction for this candidate: age is missing"
    )


def test_no_inline_script(signed_in: Any, stored: ModelSet) -> None:
    html = page(signed_in("dm_a"), candidate())
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs, _ in scripts)


def test_a_stored_model_and_its_validation_are_shown(signed_in: Any, model_set: ModelSet) -> None:
    from remission.analysis.prediction.stored import store_model_set
    from remission.registry.access import SYSTEM

    validation = {  # the shape of Validation.to_dict(), cut to what the page reads
        "model_version": model_set.version,
        "results": [
            {"endpoint": "NRM", "horizon": "1 year", "horizon_days": 365.25,
             "apparent": {"calibration_slope": 0.93, "scaled_brier": 0.051},
             "corrected": {"calibration_slope": 0.88, "scaled_brier": 0.043}},
        ],
    }  # fmt: skip
    store_model_set(model_set, by=SYSTEM, validation=validation)
    html = page(signed_in("viewer_a"), candidate())  # no monkeypatch: the registry's current model
    assert text(section(html, "prediction-model")).startswith(f"Model {model_set.version} ")
    assert "Calibration (stored validation):" in html
    assert text(section(html, "prediction-calibration")) == (
        "NRM at 1 year: calibration slope 0.88 (optimism-corrected), scaled Brier 0.04 (optimism-corrected)"
    )
