"""``remission screen``: schema validation, exit codes, text and JSON output; screen_candidate()."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from remission.cli import main
from remission.cli import screen as screen_cli
from remission.clinical import candidate as checks
from remission.clinical.screening import candidate_schema, screen_candidate

ROOT = Path(__file__).resolve().parents[2]
SSC = ROOT / "docs" / "examples" / "candidate-ssc.json"
MS = ROOT / "docs" / "examples" / "candidate-ms.json"


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: Any) -> str:
    path = tmp_path / "candidate.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def test_committed_schema_matches_the_tables() -> None:
    committed = ROOT / "src" / "remission" / "clinical" / "candidate.schema.json"
    assert json.loads(committed.read_text(encoding="utf-8")) == candidate_schema()


def test_text_output_for_ssc_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", str(SSC)]) == 0
    out = capsys.readouterr().out
    assert "VERDICT: eligible" in out
    # DLCO 58 % ≤ 65 % → pulmonary severe (3); nothing else → HCT-CI 3, high (Sorror 2005)
    assert "HCT-CI = 3 — risk group high" in out
    # Mosteller 165 cm, 62 kg: sqrt(165 × 62 / 3600) = sqrt(2.841667) = 1.6857 m²;
    # Cy 2 g/m² = 2000 × 1.6857 = 3371.4 mg → rounded to 5 mg = 3370 mg
    assert "3,370.0 mg" in out
    # Cy 50 mg/kg × 62 kg = 3100 mg/day on actual weight
    assert "3,100.0 mg" in out


def test_json_output_for_ms_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", str(MS), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["verdict"] == "eligible"
    # psychiatric 1 + hepatic mild (AST 1.1, ALT 1.3 × ULN) 1 + obesity (BMI 120 / 1.8² = 37.0) 1 = 3
    assert report["hct_ci"]["score"] == 3
    cy = report["dose_tables"][1]["lines"][0]
    # Man 180 cm: IBW 74.99 kg < 120 kg → Cy on IBW: 50 × 74.99 = 3749.6 mg/day
    assert (cy["agent"], cy["basis"], cy["daily_dose"]) == ("cy", "lesser_ideal_actual", 3749.61)
    assert report["intensity"]["class"] == "intermediate"


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"findings": {"lvef_pct": 150}}, "findings.lvef_pct", "maximum"),
        ({"findings": {"lvef": 50}}, "findings.lvef", "additionalProperties"),
        ({"disease": "psoriasis"}, "disease", "enum"),
        ({"hct_ci": {"diabetes": "yes"}}, "hct_ci.diabetes", "type"),
        ({"regimen": "cy300"}, "regimen", "enum"),
    ],
)
def test_bad_file_names_field_and_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, Any], field: str, rule: str
) -> None:
    data = load(SSC)
    for key, value in change.items():
        data[key] = {**data[key], **value} if isinstance(value, dict) else value
    assert main(["screen", write(tmp_path, data)]) == 2
    err = capsys.readouterr().err
    assert f"field {field!r} fails rule {rule!r}" in err


def test_missing_required_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = load(SSC)
    del data["candidate_id"]
    assert main(["screen", write(tmp_path, data)]) == 2
    assert "field 'candidate_id' fails rule 'required'" in capsys.readouterr().err


def test_unreadable_and_non_json_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", str(tmp_path / "absent.json")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["screen", write(tmp_path, "{not json")]) == 2
    assert "is not valid JSON" in capsys.readouterr().err


def test_library_rule_the_schema_cannot_express(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = load(MS) | {"guideline": "astic"}
    assert main(["screen", write(tmp_path, data)]) == 2
    assert "field 'guideline' fails rule 'guideline_of_disease'" in capsys.readouterr().err


def test_every_problem_is_printed_not_only_the_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = load(SSC)
    del data["candidate_id"]
    data["disease"] = "psoriasis"
    data["findings"] |= {"lvef_pct": 150, "lvef": 50}
    data["hct_ci"] |= {"diabetes": "yes"}
    path = write(tmp_path, data)
    assert main(["screen", path]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == screen_cli.NOT_SCREENED.format(path=path, count=5)
    fields_rules = [line.split(": field ", 1)[1].split(":", 1)[0] for line in lines[1:]]
    assert fields_rules == [
        "'candidate_id' fails rule 'required'",
        "'disease' fails rule 'enum'",
        "'findings.lvef' fails rule 'additionalProperties'",
        "'findings.lvef_pct' fails rule 'maximum'",
        "'hct_ci.diabetes' fails rule 'type'",
    ]
    assert checks.UNKNOWN_FIELD_HINT.format(key="lvef", where="findings", hint="lvef_pct") in lines[3]


def test_report_not_computable_parts() -> None:
    report = screen_candidate({"candidate_id": "X", "disease": "ms", "regimen": "cy200_ratg"})
    assert report.verdict == "insufficient_data"
    assert report.hct_ci.score is None
    assert report.dose_tables == ()
    assert report.dosing_missing == ("height_cm", "weight_kg")
    assert "Dose table not computable; missing: height_cm, weight_kg" in report.to_text()
