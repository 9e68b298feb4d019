"""Values given once feed both eligibility and the HCT-CI; values that disagree are said so in the report.

Every expected number is worked by hand from [@Sorror2005, Table 1] (HCT-CI items) and
the eligibility rule sets' thresholds (general_ebmt2025: LVEF < 45 % hard, < 50 % MDT review; DLCO < 40 %).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from remission.clinical import hct_ci as hct
from remission.clinical import screening
from remission.clinical.screening import screen_candidate

ROOT = Path(__file__).resolve().parents[2]


def example(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "docs" / "examples" / name).read_text(encoding="utf-8"))


def codes(report: screening.ScreeningReport) -> set[str]:
    return {item.code for item in report.hct_ci.items}


def test_a_measurement_given_once_feeds_both_parts() -> None:
    # The MS example (180 cm, 120 kg; psychiatric true; AST 1.1, ALT 1.3 × ULN), with DLCO given only
    # under hct_ci and LVEF only under findings, and no stated cardiac or pulmonary items.
    data = example("candidate-ms.json")
    del data["findings"]["dlco_pct"]
    data["findings"]["lvef_pct"] = 48
    data["hct_ci"]["dlco_pct"] = 62
    for item in ("cardiac", "pulmonary_moderate", "pulmonary_severe"):
        del data["hct_ci"][item]
    report = screen_candidate(data)
    # Eligibility reads DLCO 62 % from hct_ci: 62 ≥ 40 → the DLCO exclusion is met (not missing).
    dlco = report.eligibility.criterion("dlco")
    assert (dlco.status, dlco.value) == ("met", 62)
    # LVEF 48 %: not < 45 (hard, met) but < 50 (relative, failed) → MDT review.
    assert report.eligibility.criterion("lvef").status == "met"
    assert report.eligibility.criterion("lvef_band").status == "failed"
    assert report.verdict == "mdt_review"
    # HCT-CI by hand: psychiatric 1 + hepatic mild (AST 1.1, ALT 1.3 × ULN, > ULN to 2.5) 1
    #   + obesity (BMI 120 / 1.80² = 37.0 > 35) 1 + cardiac (LVEF 48 ≤ 50) 1
    #   + pulmonary severe (DLCO 62 ≤ 65) 3 = 7 → ≥ 3 → high.
    assert codes(report) == {"psychiatric", "hepatic_mild", "obesity", "cardiac", "pulmonary_severe"}
    assert (report.hct_ci.score, report.hct_ci.risk_group) == (7, "high")
    assert report.disagreements == ()


def test_a_measurement_given_twice_with_different_values_is_said_so() -> None:
    data = example("candidate-ssc.json")  # findings: DLCO 58 %
    data["hct_ci"]["dlco_pct"] = 70
    report = screen_candidate(data)
    expected = screening.GIVEN_TWICE.format(label="DLCO", in_findings=58, in_hct_ci=70, unit=" %")
    assert report.disagreements == (expected,)
    assert expected.startswith("DLCO is given twice and the values disagree: 58 % in findings")
    # Each part uses its own section's value: eligibility DLCO 58 (≥ 40, met); the HCT-CI DLCO 70
    # (66–80 → pulmonary moderate, 2) — FEV1 78 % (findings) is also 66–80 → moderate: HCT-CI 2.
    assert report.eligibility.criterion("dlco").value == 58
    assert codes(report) == {"pulmonary_moderate"} and report.hct_ci.score == 2
    text = report.to_text()
    assert "The candidate's values disagree; check them:\n  ! " + expected in text
    assert report.to_dict()["disagreements"] == [expected]


def test_the_same_value_given_twice_is_no_disagreement() -> None:
    data = example("candidate-ssc.json")
    data["hct_ci"]["dlco_pct"] = 58
    assert screen_candidate(data).disagreements == ()


def test_a_bmi_that_disagrees_with_height_and_weight_is_said_so() -> None:
    data = example("candidate-ms.json")  # 180 cm, 120 kg: BMI 120 / 3.24 = 37.04
    data["hct_ci"]["bmi"] = 30
    report = screen_candidate(data)
    computed = 120 / 1.8**2
    expected = screening.BMI_DISAGREES.format(given=30, height=180, weight=120, computed=computed)
    assert report.disagreements == (expected,)
    assert "give 37.0" in expected
    # the HCT-CI uses the given BMI 30 ≤ 35: no obesity point → 1 + 1 = 2 (psychiatric, hepatic mild)
    assert "obesity" in report.hct_ci.absent and report.hct_ci.score == 2


def test_a_stated_item_against_a_measurement_is_said_so() -> None:
    data = example("candidate-ssc.json")  # hct_ci: cardiac false; DLCO 58 → pulmonary severe 3
    data["findings"]["lvef_pct"] = 45  # EF ≤ 50 % is "cardiac" by Sorror's definition
    report = screen_candidate(data)
    cardiac = hct.ITEM_BY_CODE["cardiac"]
    expected = hct.STATED_ABSENT_BUT_MEASURED.format(
        label="Cardiac",
        code="cardiac",
        evidence="LVEF 45 % ≤ 50 %",
        definition=cardiac.definition,
        outcome=hct.MEASUREMENT_DECIDES,
    )
    assert report.disagreements == (expected,)
    assert report.hct_ci.score == 3 + 1  # pulmonary severe + cardiac
    # The centre may let the stated item decide; the disagreement is still reported.
    data["hct_ci_settings"] = {"stated_items_win": True}
    stated = screen_candidate(data)
    assert stated.hct_ci.score == 3
    assert stated.disagreements == (expected.replace(hct.MEASUREMENT_DECIDES, hct.STATEMENT_DECIDES),)
    # LVEF 45 is not < 45 (hard exclusion met) but < 50 → MDT review
    assert report.verdict == "mdt_review"


def test_ruled_out_organs_read_as_a_sentence() -> None:
    report = screen_candidate(example("candidate-ssc.json"))
    # 62 kg / 1.65² m² = 62 / 2.7225 = 22.77 → 22.8, not above 35
    sentence = (
        "No arrhythmia, cardiac disease, inflammatory bowel disease, diabetes, cerebrovascular disease, "
        "psychiatric disturbance, liver disease, obesity (BMI 22.8, not above 35), infection, "
        "rheumatologic disease, peptic ulcer, renal disease, prior solid tumour or heart valve disease."
    )
    assert report.hct_ci.absent_text == sentence
    text = report.to_text()
    assert "  " + sentence in text
    assert "absent:" not in text
    assert report.to_dict()["hct_ci"]["absent_text"] == sentence


def test_criterion_values_read_with_their_labels() -> None:
    report = screen_candidate(example("candidate-ssc.json"))
    skin = report.eligibility.criterion("skin_and_organs").to_dict()
    assert (
        skin["value_text"] == "SSc subset: diffuse; mRSS: 24; ≥ 1 visceral organ involved: yes; CRP: 12 mg/L"
    )
    assert "value: SSc subset: diffuse; mRSS: 24" in report.to_text()
