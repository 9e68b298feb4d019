"""HCT-CI [@Sorror2005, Table 1] and HCT-CI/age [@Sorror2014], checked against hand calculations."""

from __future__ import annotations

from typing import Any

import pytest

from remission.clinical import hct_ci as hct
from remission.clinical.hct_ci import ITEMS, HctCiSettings, hct_ci

ALL_FALSE: dict[str, Any] = {item.code: False for item in ITEMS}


def with_(**changes: Any) -> dict[str, Any]:
    return {**ALL_FALSE, **changes}


def codes(result: hct.HctCiResult) -> set[str]:
    return {item.code for item in result.items}


def test_worked_example_one_item_per_organ() -> None:
    # SLE candidate, 45 years. Hand calculation, Sorror 2005 Table 1:
    #   FEV1 72 % (66–80 → pulmonary moderate, 2) and DLCO 60 % (≤ 65 → pulmonary severe, 3):
    #       the pulmonary organ scores once, at its worse level ............................ 3
    #   bilirubin 1.2 × ULN (hepatic mild, 1) and AST 3 × ULN (> 2.5 → hepatic moderate/severe, 3):
    #       hepatic scores once, at moderate/severe ....................................... 3
    #   psychiatric (depression on treatment) .............................................. 1
    #   the indication SLE → rheumatologic (default indication_scores = True) ............. 2
    #   HCT-CI = 3 + 3 + 1 + 2 = 9 → ≥ 3 → high risk.
    #   (Counting both levels would wrongly give 2 + 3 + 1 + 3 + 1 + 2 = 12.)
    #   HCT-CI/age (Sorror 2014): age 45 ≥ 40 → + 1 = 10.
    conditions = with_(psychiatric=True, fev1_pct=72, dlco_pct=60, bilirubin_x_uln=1.2, ast_x_uln=3.0)
    result = hct_ci(conditions, age=45, disease="sle")
    assert result.score == 9
    assert result.risk_group == "high"
    assert codes(result) == {"pulmonary_severe", "hepatic_moderate_severe", "psychiatric", "rheumatologic"}
    assert result.missing == ()
    pulmonary = next(i for i in result.items if i.code == "pulmonary_severe")
    assert pulmonary.weight == 3
    assert "DLCO 60 % predicted" in pulmonary.evidence
    aged = hct_ci(conditions, age=45, disease="sle", settings=HctCiSettings(variant="hct_ci_age"))
    assert aged.score == 10
    assert "age" in codes(aged)


def test_all_absent_is_zero_low_and_age_boundary() -> None:
    assert hct_ci(ALL_FALSE).score == 0
    assert hct_ci(ALL_FALSE).risk_group == "low"
    aged = HctCiSettings(variant="hct_ci_age")
    # 39 < 40: no point → 0 (low); 40 ≥ 40: one point → 1 (intermediate)
    young, forty = hct_ci(ALL_FALSE, age=39, settings=aged), hct_ci(ALL_FALSE, age=40, settings=aged)
    assert (young.score, young.risk_group) == (0, "low")
    assert (forty.score, forty.risk_group) == (1, "intermediate")
    missing_age = hct_ci(ALL_FALSE, settings=aged)
    assert missing_age.score is None and missing_age.missing == ("age",)


@pytest.mark.parametrize(
    ("flags", "score", "group"),
    [
        ({"arrhythmia": True}, 1, "intermediate"),
        ({"arrhythmia": True, "peptic_ulcer": True}, 3, "high"),  # 1 + 2 = 3 → high
        ({"diabetes": True}, 1, "intermediate"),
        ({"renal": True}, 2, "intermediate"),
        ({"heart_valve": True}, 3, "high"),  # valve disease is its own item, weight 3 (not "cardiac")
        ({"heart_valve": True, "cardiac": True}, 4, "high"),
        ({"pulmonary_moderate": True, "pulmonary_severe": True}, 3, "high"),  # never both: 3, not 5
        ({"hepatic_mild": True, "hepatic_moderate_severe": True}, 3, "high"),  # never both: 3, not 4
        ({"prior_solid_tumour": True, "infection": True, "obesity": True}, 5, "high"),
    ],
)
def test_item_weights_and_risk_groups(flags: dict[str, bool], score: int, group: str) -> None:
    result = hct_ci(with_(**flags))
    assert (result.score, result.risk_group) == (score, group)


@pytest.mark.parametrize(
    ("value", "item"),
    [
        (60, "pulmonary_severe"),
        (65, "pulmonary_severe"),  # ≤ 65 is severe (default)
        (65.5, "pulmonary_moderate"),
        (80, "pulmonary_moderate"),  # 66–80 moderate
        (80.5, None),
    ],
)
def test_pulmonary_levels_from_dlco(value: float, item: str | None) -> None:
    result = hct_ci(with_(dlco_pct=value))
    present = codes(result) & {"pulmonary_moderate", "pulmonary_severe"}
    assert present == ({item} if item else set())


def test_pulmonary_severe_boundary_is_a_setting() -> None:
    strict = HctCiSettings(pulmonary_severe_inclusive=False)  # "< 65" reading
    assert codes(hct_ci(with_(fev1_pct=65), settings=strict)) == {"pulmonary_moderate"}
    assert codes(hct_ci(with_(fev1_pct=64.9), settings=strict)) == {"pulmonary_severe"}


@pytest.mark.parametrize(
    ("conditions", "item"),
    [
        ({"lvef_pct": 50}, "cardiac"),  # EF ≤ 50 %
        ({"lvef_pct": 51}, None),
        ({"bilirubin_x_uln": 1.0}, None),  # not > ULN
        ({"bilirubin_x_uln": 1.5}, "hepatic_mild"),  # > ULN to 1.5 × ULN
        ({"bilirubin_x_uln": 1.6}, "hepatic_moderate_severe"),
        ({"alt_x_uln": 2.5}, "hepatic_mild"),  # > ULN to 2.5 × ULN
        ({"alt_x_uln": 2.6}, "hepatic_moderate_severe"),
        ({"bmi": 35.0}, None),  # BMI > 35
        ({"bmi": 35.1}, "obesity"),
        ({"creatinine_mg_dl": 2.0}, None),  # > 2 mg/dL
        ({"creatinine_mg_dl": 2.1}, "renal"),
        ({"creatinine_umol_l": 176}, None),  # 176 / 88.4 = 1.99 mg/dL
        ({"creatinine_umol_l": 177}, "renal"),  # 177 / 88.4 = 2.002 mg/dL
    ],
)
def test_raw_value_thresholds(conditions: dict[str, float], item: str | None) -> None:
    result = hct_ci(with_(**conditions))
    assert codes(result) == ({item} if item else set())


def test_raw_value_overrides_a_false_flag_and_says_so() -> None:
    result = hct_ci(with_(fev1_pct=70))  # both pulmonary flags false, FEV1 70 % → moderate
    item = result.items[0]
    assert item.code == "pulmonary_moderate"
    assert any("given false, overridden" in e for e in item.evidence)


def test_missing_is_never_zero() -> None:
    empty = hct_ci({})
    assert empty.score is None
    assert empty.risk_group is None
    assert set(empty.missing) == {item.code for item in ITEMS}
    assert "not computable" in empty.to_text()
    # Normal FEV1 alone does not rule out pulmonary disease (dyspnoea, DLCO): still missing.
    partial = hct_ci(with_(pulmonary_moderate=None, pulmonary_severe=None, fev1_pct=95))
    assert partial.score is None
    assert partial.missing == ("pulmonary_moderate", "pulmonary_severe")
    # BMI alone settles obesity.
    assert "obesity" in hct_ci({"bmi": 24}).absent


def test_missing_with_high_lower_bound_still_gives_high_group() -> None:
    result = hct_ci({"prior_solid_tumour": True})  # 3 points known, everything else unknown
    assert result.score is None
    assert result.minimum_score == 3
    assert result.risk_group == "high"
    assert hct_ci({"diabetes": True}).risk_group is None  # 1 known: could be 1, 2 or ≥ 3


@pytest.mark.parametrize(
    ("disease", "scores", "expected"),
    [
        ("sle", True, {"rheumatologic"}),
        ("ra", True, {"rheumatologic"}),
        ("myositis", True, {"rheumatologic"}),
        ("crohn", True, {"inflammatory_bowel"}),
        ("ssc", True, set()),  # SSc is not in Sorror's list
        ("ms", True, set()),
        ("sle", False, set()),
    ],
)
def test_indication_setting(disease: str, scores: bool, expected: set[str]) -> None:
    result = hct_ci(ALL_FALSE, disease=disease, settings=HctCiSettings(indication_scores=scores))
    assert codes(result) == expected


def test_bad_inputs_raise_named_errors() -> None:
    with pytest.raises(ValueError) as err:
        hct_ci({"fev1_pct": 250})
    assert str(err.value) == hct.OUT_OF_RANGE.format(key="fev1_pct", value=250, low=5, high=200, unit="%")
    with pytest.raises(ValueError) as err:
        hct_ci({"diabetes": "yes"})
    assert str(err.value) == hct.NOT_BOOLEAN.format(key="diabetes", value="yes")
    with pytest.raises(ValueError) as err:
        hct_ci({"diabetis": True})
    assert str(err.value).startswith("HCT-CI: unknown input 'diabetis'")
    with pytest.raises(ValueError) as err:
        hct_ci({}, age=150)
    assert str(err.value) == hct.AGE_OUT_OF_RANGE.format(value=150)
    with pytest.raises(ValueError) as err:
        HctCiSettings(variant="hct_ci_2")
    assert str(err.value) == hct.UNKNOWN_VARIANT.format(value="hct_ci_2")


def test_input_table_covers_every_item() -> None:
    keys = {spec.key for spec in hct.INPUTS}
    assert {item.code for item in ITEMS} <= keys
    assert sum(item.weight for item in ITEMS) == 29  # 9×1 + 4×2 + 4×3 = 9 + 8 + 12 (Sorror Table 1)


def test_obesity_stated_against_bmi_the_measurement_decides_unless_set() -> None:
    # Sorror Table 1 defines obesity by BMI > 35 alone: a BMI of 30.0 contradicts "obesity = true".
    result = hct_ci(with_(obesity=True, bmi=30))
    expected = hct.STATED_PRESENT_BUT_MEASURED.format(
        label="Obesity",
        code="obesity",
        evidence="BMI 30.0",
        definition=hct.ITEM_BY_CODE["obesity"].definition,
        outcome=hct.MEASUREMENT_DECIDES,
    )
    assert result.disagreements == (expected,)
    assert (result.score, "obesity" in result.absent) == (0, True)
    stated = hct_ci(with_(obesity=True, bmi=30), settings=HctCiSettings(stated_items_win=True))
    assert stated.score == 1 and codes(stated) == {"obesity"}
    # BMI 37 against "obesity = false": scored from the BMI (1 point), the disagreement listed
    measured = hct_ci(with_(bmi=37))
    assert measured.score == 1 and len(measured.disagreements) == 1
    assert measured.disagreements[0].startswith(
        "Obesity is stated absent (obesity = false), but BMI 37.0 > 35"
    )


def test_no_disagreement_when_stated_and_measured_agree() -> None:
    assert hct_ci(with_(pulmonary_severe=True, dlco_pct=50)).disagreements == ()
    assert hct_ci(with_(bmi=24)).disagreements == ()


def test_absent_organs_and_age_read_as_sentences() -> None:
    one = hct_ci({"bmi": 24.04})
    assert one.absent_text == "No obesity (BMI 24.0, not above 35)."
    two = hct_ci({"diabetes": False, "renal": False})
    assert two.absent_text == "No diabetes or renal disease."
    young = hct_ci(ALL_FALSE, age=39, settings=HctCiSettings(variant="hct_ci_age"))
    assert young.absent_text.endswith(
        "prior solid tumour or heart valve disease. Age 39 years is under 40: no age point."
    )
    assert "absent:" not in young.to_text()


def test_an_organ_shown_at_two_levels_says_so_in_words() -> None:
    # FEV1 78 % (66–80: moderate) and DLCO 58 % (≤ 65: severe): scored once, severe (3)
    result = hct_ci(with_(pulmonary_moderate=None, pulmonary_severe=None, fev1_pct=78, dlco_pct=58))
    assert result.items[0].evidence == (
        "DLCO 58 % predicted",
        "Pulmonary, moderate also shown (FEV1 78 % predicted); the organ scores once, at its worse level",
    )
