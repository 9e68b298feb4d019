"""``POST /api/screening``: every problem at once, the disagreements, and no face imported by another."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from remission.clinical import screening as clinical_screening

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "remission"


def example(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "docs" / "examples" / name).read_text(encoding="utf-8"))


def post(client: Client, body: Any) -> Any:
    return client.post("/api/screening", body, content_type="application/json")


def test_every_schema_error_is_returned(token_for: Any) -> None:
    data = example("candidate-ms.json")
    del data["candidate_id"]
    data["findings"] |= {"edss": 11, "edds": 4}
    data["hct_ci"] |= {"renal": "no"}
    response = post(Client(**token_for("viewer_a")), data)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["record"], e["field"], e["rule"]) for e in errors] == [
        ("candidate", "candidate_id", "required"),
        ("candidate", "findings.edds", "additionalProperties"),
        ("candidate", "findings.edss", "maximum"),
        ("candidate", "hct_ci.renal", "type"),
    ]
    assert all(e["message"] for e in errors)


def test_rules_the_schema_cannot_express_are_returned_together(token_for: Any) -> None:
    body = {"candidate_id": "X", "disease": "ms", "guideline": "astic", "regimen_overrides": {"cy": {}}}
    response = post(Client(**token_for("viewer_a")), body)
    assert response.status_code == 422
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [
        ("guideline", "guideline_of_disease"),
        ("regimen_overrides", "needs_regimen"),
    ]


def test_disagreements_are_in_the_answer(token_for: Any) -> None:
    data = example("candidate-ssc.json")
    data["hct_ci"]["dlco_pct"] = 70  # findings: 58
    response = post(Client(**token_for("viewer_a")), data)
    assert response.status_code == 200
    expected = clinical_screening.GIVEN_TWICE.format(label="DLCO", in_findings=58, in_hct_ci=70, unit=" %")
    assert response.json()["disagreements"] == [expected]
    assert response.json()["hct_ci"]["absent_text"].startswith("No arrhythmia, cardiac disease")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_the_api_imports_no_other_face() -> None:
    faces = ("remission.web", "remission.cli")
    wrong = {
        f"{path.relative_to(SRC)}: {name}"
        for path in (SRC / "api").rglob("*.py")
        for name in _imports(path)
        if any(name == face or name.startswith(face + ".") for face in faces)
    }
    assert not wrong, wrong
