"""SSc: [@Alexander2025, Table 5] with the EBMT cardiac exclusions of [@Penglase2023, Table 3]."""

from __future__ import annotations

from typing import Any

import pytest

from remission.clinical.eligibility import SscSettings, screen
from remission.clinical.eligibility.ssc_ebmt2025 import UNKNOWN_PROTOCOL, ssc_ebmt2025

BASE: dict[str, Any] = {
    "age_years": 45,
    "acr_eular_2013": True,
    "ssc_subset": "diffuse",
    "mrss": 22,
    "visceral_organ_involvement": True,
    "crp_mg_l": 5,
    "progressive_ild": False,
    "disease_duration_years": 3,
    "first_line_therapy_months": 8,
    "sustained_activity_on_first_line": True,
    "first_line_intolerance": False,
    "septal_bounce": False,
    "constrictive_pericarditis": False,
    "tamponade": False,
    "pasp_rest_mmhg": 30,
    "pasp_fluid_mmhg": 35,
    "mpap_rest_mmhg": 18,
    "mpap_fluid_mmhg": 22,
    "cardiac_output_no_rise_on_fluid": False,
    "pvr_wood_units": 2,
    "tapse_cm": 2.2,
    "unrevascularised_severe_cad": False,
    "untreated_severe_arrhythmia": False,
    "symptomatic_cardiac_disease": False,
}
RULES = ssc_ebmt2025()

CASES = [
    ("ssc_age", "age_years", 60, 60.5, "mdt_review"),  # ≤ 60 recommended
    ("acr_eular_2013", "acr_eular_2013", True, False, "not_eligible"),
    ("skin_and_organs", "mrss", 16, 15, "not_eligible"),  # mRSS > 15 with an organ
    ("disease_duration", "disease_duration_years", 4.9, 5, "mdt_review"),  # < 5 years optimal
    ("line_of_therapy", "first_line_therapy_months", 6, 5.9, "mdt_review"),  # ≥ 6 months first line
    ("septal_bounce", "septal_bounce", False, True, "not_eligible"),
    ("constrictive_pericarditis", "constrictive_pericarditis", False, True, "not_eligible"),
    ("tamponade", "tamponade", False, True, "not_eligible"),
    ("pasp_rest", "pasp_rest_mmhg", 40, 41, "not_eligible"),  # PASP > 40 at rest
    ("pasp_fluid", "pasp_fluid_mmhg", 45, 46, "not_eligible"),  # > 45 with fluid
    ("mpap_rest", "mpap_rest_mmhg", 25, 26, "not_eligible"),  # mPAP > 25 at rest
    ("mpap_fluid", "mpap_fluid_mmhg", 30, 31, "not_eligible"),  # > 30 with fluid
    ("cardiac_output_fluid", "cardiac_output_no_rise_on_fluid", False, True, "not_eligible"),
    ("pvr", "pvr_wood_units", 3, 3.1, "not_eligible"),  # PVR > 3 WU
    ("tapse", "tapse_cm", 1.8, 1.7, "not_eligible"),  # TAPSE < 1.8 cm
    ("severe_cad", "unrevascularised_severe_cad", False, True, "not_eligible"),
    ("severe_arrhythmia", "untreated_severe_arrhythmia", False, True, "not_eligible"),
    ("symptomatic_cardiac", "symptomatic_cardiac_disease", False, True, "not_eligible"),
]


def test_base_is_eligible(evaluate) -> None:
    assert evaluate(RULES, BASE)[1] == "eligible"


@pytest.mark.parametrize(("code", "field", "good", "bad", "verdict"), CASES)
def test_each_side_of_threshold(evaluate, code: str, field: str, good: Any, bad: Any, verdict: str) -> None:
    assert evaluate(RULES, {**BASE, field: good})[0][code] == "met"
    statuses, result = evaluate(RULES, {**BASE, field: bad})
    assert statuses[code] == "failed"
    assert result == verdict


@pytest.mark.parametrize(("code", "field"), [(c[0], c[1]) for c in CASES if c[0] != "skin_and_organs"])
def test_missing_value(evaluate, code: str, field: str) -> None:
    candidate = {k: v for k, v in BASE.items() if k != field}
    statuses, verdict = evaluate(RULES, candidate)
    assert statuses[code] == "missing"
    assert verdict == "insufficient_data"


def test_skin_without_organ_needs_mrss_over_20_and_crp_over_10(evaluate) -> None:
    # mRSS > 20 without visceral involvement but CRP > 10 mg/L ([@Alexander2025, Table 5], level I)
    no_organ = {**BASE, "visceral_organ_involvement": False}
    assert evaluate(RULES, {**no_organ, "mrss": 21, "crp_mg_l": 10.5})[0]["skin_and_organs"] == "met"
    assert evaluate(RULES, {**no_organ, "mrss": 20, "crp_mg_l": 10.5})[0]["skin_and_organs"] == "failed"
    assert evaluate(RULES, {**no_organ, "mrss": 21, "crp_mg_l": 10})[0]["skin_and_organs"] == "failed"
    # mRSS missing with CRP 12: the second branch could hold → missing, not failed
    missing = {k: v for k, v in no_organ.items() if k != "mrss"} | {"crp_mg_l": 12}
    assert evaluate(RULES, missing)[0]["skin_and_organs"] == "missing"


def test_ild_exception_turns_failure_into_mdt_review(evaluate) -> None:
    limited = {**BASE, "ssc_subset": "limited", "mrss": 8, "progressive_ild": True}
    statuses, verdict = evaluate(RULES, limited)
    assert statuses["skin_and_organs"] == "failed"
    assert verdict == "mdt_review"
    unknown_ild = {k: v for k, v in limited.items() if k != "progressive_ild"}
    assert evaluate(RULES, unknown_ild) == (evaluate(RULES, unknown_ild)[0], "insufficient_data")
    assert evaluate(RULES, {**limited, "progressive_ild": False})[1] == "not_eligible"


def test_intolerance_of_first_line_is_enough(evaluate) -> None:
    short = {**BASE, "first_line_therapy_months": 2, "first_line_intolerance": True}
    assert evaluate(RULES, short)[0]["line_of_therapy"] == "met"


def test_cardiac_adapted_protocol_makes_pah_limits_relative(evaluate) -> None:
    adapted = ssc_ebmt2025(SscSettings(protocol="cardiac_adapted"))
    assert evaluate(adapted, {**BASE, "mpap_rest_mmhg": 28})[1] == "mdt_review"
    assert evaluate(RULES, {**BASE, "mpap_rest_mmhg": 28})[1] == "not_eligible"
    with pytest.raises(ValueError) as err:
        SscSettings(protocol="reduced")
    assert str(err.value) == UNKNOWN_PROTOCOL.format(
        value="reduced", allowed="standard_cy200, cardiac_adapted"
    )


def test_screen_combines_general_and_ssc_and_reports_each_criterion() -> None:
    result = screen({**BASE, "mpap_rest_mmhg": 27}, disease="ssc")
    assert result.guideline == "ebmt2025"
    assert result.verdict == "not_eligible"
    mpap = result.criterion("mpap_rest")
    assert (mpap.status, mpap.value, mpap.threshold) == ("failed", 27, "exclusion if mPAP at rest > 25 mmHg")
    assert "[@Alexander2025, Table 5]" in mpap.source
    assert mpap.text in result.to_text()
    assert result.criterion("age_min").status == "met"  # general rule set evaluated too
    assert "lvef_pct" in result.missing_fields
