"""Checking a candidate before screening: every problem at once, each with its field (JSON path) and rule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from remission.clinical import candidate as checks
from remission.clinical.candidate import CandidateProblem, check_and_screen, json_path, schema_problems
from remission.clinical.screening import OVERRIDE_WITHOUT_REGIMEN

ROOT = Path(__file__).resolve().parents[2]


def example(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "docs" / "examples" / name).read_text(encoding="utf-8"))


def fields_and_rules(problems: tuple[CandidateProblem, ...]) -> list[tuple[str, str]]:
    return [(p.field, p.rule) for p in problems]


def test_json_path() -> None:
    assert json_path([]) == "candidate"
    assert json_path(["findings", "lvef_pct"]) == "findings.lvef_pct"
    assert json_path(["regimen_overrides", "cy", "days", 0]) == "regimen_overrides.cy.days[0]"


def test_every_schema_error_is_reported_with_field_and_rule() -> None:
    data = example("candidate-ssc.json")
    del data["candidate_id"]
    data["findings"] |= {"lvef_pct": 150, "mrss": 24.5, "ssc_subset": "diffuse_cutaneous"}
    data["hct_ci"] |= {"diabetes": "yes"}
    data["regimen_overrides"] = {"cy": {"days": [1.5]}}
    data["hct_ci_settings"] = {"variant": "hct_ci_2020"}
    data["eligibility_settings"] = {"ssc_ebmt2025": {"mrss_with_organ_above": "fifteen"}}
    problems = schema_problems(data)
    assert fields_and_rules(problems) == [
        ("candidate_id", "required"),
        ("eligibility_settings.ssc_ebmt2025.mrss_with_organ_above", "type"),
        ("findings.lvef_pct", "maximum"),
        ("findings.mrss", "type"),
        ("findings.ssc_subset", "enum"),
        ("hct_ci.diabetes", "type"),
        ("hct_ci_settings.variant", "enum"),
        ("regimen_overrides.cy.days[0]", "type"),
    ]


def test_each_unknown_field_is_its_own_problem_with_a_hint() -> None:
    data = {"candidate_id": "X", "disease": "ms", "findings": {"lvef": 50, "edds": 4}, "colour": "red"}
    problems = schema_problems(data)
    assert fields_and_rules(problems) == [
        ("colour", "additionalProperties"),
        ("findings.edds", "additionalProperties"),
        ("findings.lvef", "additionalProperties"),
    ]
    assert problems[0].message == checks.UNKNOWN_FIELD.format(key="colour", where="the candidate")
    assert problems[1].message == checks.UNKNOWN_FIELD_HINT.format(key="edds", where="findings", hint="edss")


def test_guideline_is_a_choice_of_codes() -> None:
    problems = schema_problems({"candidate_id": "X", "disease": "ms", "guideline": "EBMT guidelines"})
    assert fields_and_rules(problems) == [("guideline", "enum")]


def test_rules_the_schema_cannot_express_are_all_reported() -> None:
    data = {
        "candidate_id": "X",
        "disease": "ms",
        "guideline": "astic",  # Crohn's disease only
        "regimen_overrides": {"ratg": {"dose": 1.875}},  # no regimen
        "eligibility_settings": {"ms_sharrack2020": {"edss_review_max": 50.0}},  # EDSS runs 0–10
    }
    report, problems = check_and_screen(data)
    assert report is None
    assert fields_and_rules(problems) == [
        ("guideline", checks.GUIDELINE_OF_DISEASE),
        ("regimen_overrides", checks.NEEDS_REGIMEN),
        ("eligibility_settings.ms_sharrack2020", checks.SETTING),
    ]
    assert problems[1].message == OVERRIDE_WITHOUT_REGIMEN
    assert problems[0].message.startswith(
        checks.WRONG_GUIDELINE.format(value="astic", disease="ms", allowed="sharrack2020 (")[:-1]
    )


def test_override_of_an_agent_the_regimen_lacks() -> None:
    data = {"candidate_id": "X", "disease": "ms", "regimen": "cy200_ratg", "regimen_overrides": {"bu": {}}}
    _, problems = check_and_screen(data)
    assert fields_and_rules(problems) == [("regimen_overrides", checks.AGENT_OF_REGIMEN)]


def test_a_good_candidate_is_screened() -> None:
    report, problems = check_and_screen(example("candidate-ms.json"))
    assert problems == () and report is not None and report.verdict == "eligible"
