"""A screening verdict in the reader's language: words translated, codes (verdict, status, rule set, field
names, sources) as they are; in English the page's words are the clinical package's own."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from django.utils import translation

from remission.clinical.screening import screen_candidate
from remission.web.screening import report_for_people

ROOT = Path(__file__).resolve().parents[2]


def ms_candidate(**findings: Any) -> dict[str, Any]:
    candidate = json.loads((ROOT / "docs" / "examples" / "candidate-ms.json").read_text(encoding="utf-8"))
    candidate = copy.deepcopy(candidate)
    for name, value in findings.items():
        if value is None:
            candidate["findings"].pop(name, None)
        else:
            candidate["findings"][name] = value
    return candidate


def criterion(report: dict[str, Any], code: str) -> dict[str, Any]:
    return next(c for c in report["eligibility"]["criteria"] if c["code"] == code)


def test_not_eligible_in_french() -> None:
    result = screen_candidate(ms_candidate(pregnant=True))
    with translation.override("fr"):
        report = report_for_people(result)
    assert report["verdict"] == "not_eligible"  # the code, for styling and the API
    assert report["verdict_label"] == "non éligible"
    [reason] = report["eligibility"]["reasons"]
    assert reason.startswith("Exclusion : grossesse — ")
    pregnancy = criterion(report, "not_pregnant")
    assert pregnancy["status"] == "failed"
    assert pregnancy["status_label"] == "non rempli"
    assert pregnancy["kind_label"] == "exclusion"
    assert pregnancy["threshold"] == "exclusion si grossesse"
    assert report["eligibility"]["guideline_title"] == (
        "Recommandations EBMT ADWP/JACIE pour la SEP [@Sharrack2020]"
    )
    assert report["disease_name"] == "Sclérose en plaques"


def test_criteria_with_units_and_notes_in_french() -> None:
    with translation.override("fr"):
        report = report_for_people(screen_candidate(ms_candidate()))
    assert report["verdict_label"] == "éligible"
    assert report["eligibility"]["reasons"] == ["tous les critères sont remplis"]
    lvef = criterion(report, "lvef_band")
    assert lvef["threshold"] == "exclusion si FEVG < 50 %"
    assert lvef["note"] == "les sources donnent 45–50 %"
    assert lvef["kind_label"] == "exclusion (relatif)"
    assert lvef["strength"] == "relative"


def test_hct_ci_items_and_risk_group_in_french() -> None:
    result = screen_candidate(ms_candidate())
    with translation.override("fr"):
        report = report_for_people(result)
    hct_ci = report["hct_ci"]
    assert (hct_ci["score"], hct_ci["risk_group"], hct_ci["risk_group_label"]) == (3, "high", "élevé")
    assert [item["label"] for item in hct_ci["items"]] == [
        "Trouble psychiatrique",
        "Hépatique, légère",
        "Obésité",
    ]
    assert [item["code"] for item in hct_ci["items"]] == ["psychiatric", "hepatic_mild", "obesity"]


def test_missing_data_names_the_fields_in_french() -> None:
    result = screen_candidate(ms_candidate(edss=None))
    assert result.verdict == "insufficient_data"
    with translation.override("fr"):
        report = report_for_people(result)
    assert report["verdict_label"] == "données insuffisantes"
    assert report["eligibility"]["reasons"] == ["données manquantes : EDSS"]
    assert report["eligibility"]["missing_fields"] == ["edss"]  # the field's name stays


def test_english_is_the_clinical_packages_own_text() -> None:
    """The English page reads as the API and the command line write it; only a missing field is named
    as people name it (its label, not its code)."""
    for candidate in (ms_candidate(), ms_candidate(pregnant=True)):
        result = screen_candidate(candidate)
        plain = result.to_dict()
        with translation.override("en-gb"):
            report = report_for_people(result)
        assert report["eligibility"]["reasons"] == plain["eligibility"]["reasons"]
        for shown, written in zip(
            report["eligibility"]["criteria"], plain["eligibility"]["criteria"], strict=True
        ):
            assert (shown["threshold"], shown["text"], shown["note"]) == (
                written["threshold"],
                written["text"],
                written["note"],
            )
    with translation.override("en-gb"):
        assert (
            report_for_people(screen_candidate(ms_candidate(pregnant=True)))["verdict_label"]
            == "not eligible"
        )
        missing = report_for_people(screen_candidate(ms_candidate(edss=None, lvef_pct=None)))
    assert missing["eligibility"]["reasons"] == ["missing: LVEF, EDSS"]


def test_a_candidate_problem_in_french_keeps_its_field_and_rule() -> None:
    from remission.clinical.candidate import check_and_screen
    from remission.web.screening import problem_text

    candidate = ms_candidate()
    candidate["findngs"] = candidate.pop("findings")
    report, problems = check_and_screen(candidate)
    assert report is None
    [problem] = [p for p in problems if p.field == "findngs"]
    with translation.override("fr"):
        assert problem_text(problem) == (
            "findngs: 'findngs' n'est pas un champ du candidat (vouliez-vous dire 'findings' ?) "
            "[additionalProperties]"
        )
    with translation.override("en-gb"):
        assert problem_text(problem) == (
            "findngs: 'findngs' is not a field of the candidate (did you mean 'findings'?) "
            "[additionalProperties]"
        )
