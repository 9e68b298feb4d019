"""``remission screen CANDIDATE.json --predict``: the predictions after the verdict, the refusal, the
comparison of intensities and the plain "no model" — the exit code is the screening's in every case."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from remission.analysis.prediction import ModelSet, Prediction, predict
from remission.analysis.prediction.bedside import COMPARISON_CAVEAT, NO_MODEL_TEXT
from remission.cli import main
from tests.prediction_support import SSC_PREDICTORS, reference_model_set

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
SSC = ROOT / "docs" / "examples" / "candidate-ssc.json"


@pytest.fixture(scope="module")
def model_set() -> ModelSet:
    return reference_model_set()


@pytest.fixture
def stored(monkeypatch: pytest.MonkeyPatch, model_set: ModelSet) -> ModelSet:
    monkeypatch.setattr("remission.analysis.prediction.stored.current_model_set", lambda user=None: model_set)
    return model_set


def write(tmp_path: Path, **change: Any) -> str:
    candidate = json.loads(SSC.read_text(encoding="utf-8"))
    candidate.update(infusion_year=2024, centre_experience=30)
    for key, value in change.items():
        if value is None:
            candidate.pop(key, None)
        else:
            candidate[key] = value
    path = tmp_path / "candidate.json"
    path.write_text(json.dumps(candidate), encoding="utf-8")
    return str(path)


def pct(value: float) -> str:
    return f"{100 * value:.0f} %"


def test_predictions_follow_the_verdict(tmp_path: Path, stored: ModelSet, capsys: Any) -> None:
    assert main(["screen", write(tmp_path), "--predict"]) == 0
    out = capsys.readouterr().out
    expected = predict(stored, SSC_PREDICTORS)
    assert isinstance(expected, Prediction)
    assert out.index("VERDICT: eligible") < out.index("Predicted outcomes — model " + stored.version)
    assert f"(data cut-off 2025-06-30, {stored.n} patients)" in out
    labels = [
        "Overall survival at 1 year",
        "Overall survival at 5 years",
        "Progression-free survival at 1 year",
        "Progression-free survival at 5 years",
        "Non-relapse mortality at 100 days",
        "Non-relapse mortality at 1 year",
    ]
    for label, risk in zip(labels, expected.risks, strict=True):
        line = f"  {label}: {pct(risk.estimate)} (95 % interval {pct(risk.lower)} to {pct(risk.upper)})"
        assert line in out.splitlines()
    assert expected.sentence in out
    assert "Calibration: No validation is stored for this model" in out


def test_the_intensity_table_is_printed_with_its_caveat(
    tmp_path: Path, stored: ModelSet, capsys: Any
) -> None:
    assert main(["screen", write(tmp_path), "--predict", "--intensities", "high,low"]) == 0
    out = capsys.readouterr().out
    assert COMPARISON_CAVEAT in out
    lines = [line for line in out.splitlines() if line.startswith(("  high", "  low", "  intermediate"))]
    assert [line.split(":")[0] for line in lines] == ["  high", "  low"]  # the order asked, only those
    high = predict(stored, {**SSC_PREDICTORS, "intensity": "high"})
    assert isinstance(high, Prediction)
    os1 = high.risks[0]
    assert lines[0].startswith(f"  high: OS 1 year {pct(os1.estimate)} ({pct(os1.lower)}–{pct(os1.upper)})")


def test_json_carries_the_prediction(tmp_path: Path, stored: ModelSet, capsys: Any) -> None:
    assert main(["screen", write(tmp_path), "--predict", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["verdict"] == "eligible"
    prediction = report["prediction"]
    assert prediction["status"] == "predicted" and prediction["model_version"] == stored.version
    expected = predict(stored, SSC_PREDICTORS)
    assert isinstance(expected, Prediction)
    assert [r["estimate"] for r in prediction["risks"]] == [r.estimate for r in expected.risks]
    for row in prediction["comparison"]["rows"]:
        by_row = predict(stored, {**SSC_PREDICTORS, "intensity": row["intensity"]})
        assert isinstance(by_row, Prediction)
        assert [(r["lower"], r["upper"]) for r in row["risks"]] == [(r.lower, r.upper) for r in by_row.risks]


def test_a_refusal_is_printed_with_its_reason(tmp_path: Path, stored: ModelSet, capsys: Any) -> None:
    assert main(["screen", write(tmp_path, age_years=70), "--predict"]) == 0
    out = capsys.readouterr().out
    assert (
        "No prediction: age 70 is outside the range of the model's data (18.04 to 65.92) [outside_range]"
        in out
    )
    assert "Overall survival at 1 year:" not in out


def test_no_stored_model_is_said_plainly(tmp_path: Path, capsys: Any) -> None:
    assert main(["screen", write(tmp_path), "--predict"]) == 0  # the test registry stores no model
    out = capsys.readouterr().out
    assert "VERDICT: eligible" in out
    assert out.rstrip().endswith("Predicted outcomes: " + NO_MODEL_TEXT)
    assert main(["screen", write(tmp_path), "--predict", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["prediction"] == {
        "status": "no_model",
        "message": NO_MODEL_TEXT,
    }


def test_without_predict_nothing_is_predicted(tmp_path: Path, stored: ModelSet, capsys: Any) -> None:
    assert main(["screen", write(tmp_path)]) == 0
    assert "Predicted outcomes" not in capsys.readouterr().out
    assert main(["screen", write(tmp_path), "--format", "json"]) == 0
    assert "prediction" not in json.loads(capsys.readouterr().out)


def test_an_unknown_intensity_is_refused(tmp_path: Path, stored: ModelSet, capsys: Any) -> None:
    assert main(["screen", write(tmp_path), "--predict", "--intensities", "low,medium"]) == 2
    assert "'medium' is not one of low, intermediate, high" in capsys.readouterr().err


def test_no_registry_is_no_model_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setattr("remission.registry.database.registry_problem", lambda using="default": "no file X")
    assert main(["screen", write(tmp_path), "--predict"]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith(NO_MODEL_TEXT + " The registry cannot be read: no file X")
