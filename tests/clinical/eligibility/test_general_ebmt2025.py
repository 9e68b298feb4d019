"""General EBMT 2025 criteria: each criterion on each side of its threshold and with the value missing."""

from __future__ import annotations

from typing import Any

import pytest

from remission.clinical.eligibility import GeneralSettings
from remission.clinical.eligibility.general_ebmt2025 import general_ebmt2025

BASE: dict[str, Any] = {
    "age_years": 40,
    "active_despite_standard_therapy": True,
    "ecog": 1,
    "centre_experienced": True,
    "active_uncontrolled_infection": False,
    "pregnant": False,
    "malignancy_within_5y": False,
    "uncontrolled_psychiatric_illness": False,
    "bilirubin_x_uln": 1.0,
    "ast_x_uln": 1.0,
    "alt_x_uln": 1.0,
    "creatinine_clearance_ml_min": 90,
    "lvef_pct": 60,
    "dlco_pct": 70,
    "fvc_pct": 80,
}
RULES = general_ebmt2025()

# (criterion, field, value that meets it, value that fails it, verdict when it fails)
CASES = [
    ("age_min", "age_years", 18, 17.9, "not_eligible"),  # age ≥ 18 [@Alexander2025, Table 2]
    ("age_max", "age_years", 65, 65.5, "mdt_review"),  # age ≤ 65; older only with MDT
    ("active_disease", "active_despite_standard_therapy", True, False, "not_eligible"),
    ("experienced_centre", "centre_experienced", True, False, "mdt_review"),
    ("performance_status", "ecog", 1, 2, "mdt_review"),  # ECOG ≥ 2 needs MDT
    ("no_infection", "active_uncontrolled_infection", False, True, "not_eligible"),
    ("not_pregnant", "pregnant", False, True, "not_eligible"),
    ("no_recent_malignancy", "malignancy_within_5y", False, True, "not_eligible"),
    ("no_psychiatric_illness", "uncontrolled_psychiatric_illness", False, True, "not_eligible"),
    ("bilirubin", "bilirubin_x_uln", 2.0, 2.1, "not_eligible"),  # > 2 × ULN
    ("transaminases", "ast_x_uln", 3.0, 3.1, "not_eligible"),  # > 3 × ULN hard
    ("transaminases_band", "alt_x_uln", 2.0, 2.1, "mdt_review"),  # 2–3 × ULN band
    ("creatinine_clearance", "creatinine_clearance_ml_min", 40, 39.9, "not_eligible"),  # CrCl < 40
    ("lvef", "lvef_pct", 45, 44.9, "not_eligible"),  # LVEF < 45 hard
    ("lvef_band", "lvef_pct", 50, 49.9, "mdt_review"),  # 45–50 band
    ("dlco", "dlco_pct", 40, 39.9, "not_eligible"),  # DLCO < 40
    ("fvc", "fvc_pct", 45, 44.9, "not_eligible"),  # FVC < 45
]


def test_base_candidate_is_eligible(evaluate) -> None:
    statuses, verdict = evaluate(RULES, BASE)
    assert verdict == "eligible"
    assert set(statuses.values()) == {"met"}


@pytest.mark.parametrize(("code", "field", "good", "bad", "verdict"), CASES)
def test_each_side_of_threshold(evaluate, code: str, field: str, good: Any, bad: Any, verdict: str) -> None:
    statuses, _ = evaluate(RULES, {**BASE, field: good})
    assert statuses[code] == "met"
    statuses, result = evaluate(RULES, {**BASE, field: bad})
    assert statuses[code] == "failed"
    assert result == verdict


@pytest.mark.parametrize(("code", "field"), sorted({(c[0], c[1]) for c in CASES}))
def test_missing_value(evaluate, code: str, field: str) -> None:
    candidate = {k: v for k, v in BASE.items() if k != field}
    if field == "ast_x_uln":
        candidate.pop("alt_x_uln")  # AST or ALT: missing only when both are missing
    if field == "alt_x_uln":
        candidate.pop("ast_x_uln")
    statuses, verdict = evaluate(RULES, candidate)
    assert statuses[code] == "missing"
    assert verdict == "insufficient_data"


def test_karnofsky_instead_of_ecog(evaluate) -> None:
    # Karnofsky ≤ 60 % needs MDT evaluation: 70 meets, 60 fails.
    without_ecog = {k: v for k, v in BASE.items() if k != "ecog"}
    assert evaluate(RULES, {**without_ecog, "karnofsky": 70})[0]["performance_status"] == "met"
    assert evaluate(RULES, {**without_ecog, "karnofsky": 60})[0]["performance_status"] == "failed"


def test_one_transaminase_high_excludes_even_if_other_missing(evaluate) -> None:
    candidate = {k: v for k, v in BASE.items() if k != "alt_x_uln"}
    statuses, verdict = evaluate(RULES, {**candidate, "ast_x_uln": 4})
    assert statuses["transaminases"] == "failed"
    assert verdict == "not_eligible"


def test_thresholds_are_settings(evaluate) -> None:
    strict = general_ebmt2025(GeneralSettings(lvef_min_pct=50, lvef_review_pct=55))
    assert evaluate(strict, {**BASE, "lvef_pct": 49})[1] == "not_eligible"
    assert "LVEF < 50 %" in strict.criterion("lvef").text


def test_rules_render_with_source() -> None:
    assert RULES.criterion("lvef").text == (
        "Exclusion: LVEF < 45 % — "
        "⚠ setting; SSc sources give EBMT < 45 %, SCOT < 50 % [@Penglase2023, Table 3]"
    )
    assert RULES.criterion("dlco").text == (
        "Exclusion: DLCO < 40 % — SSc trial exclusion [@Walker2018, Table 1]; for every disease a setting"
    )
    assert RULES.criterion("bilirubin").text == (
        "Exclusion: bilirubin > 2 × ULN — assumption (setting), not from a named table ◐"
    )
    assert (
        RULES.criterion("age_max").text
        == "Inclusion (relative: MDT review): age ≤ 65 years — [@Alexander2025, Table 2]"
    )
    assert "Work-up to record" in RULES.to_text()
