"""Crohn's Disease Activity Index (Best 1976): worked example, conventions, categories, missing."""

from __future__ import annotations

from typing import Any

import pytest

from remission.clinical.scores import (
    NOT_AN_ALLOWED_CHOICE,
    NOT_AN_ALLOWED_STEP,
    OUT_OF_RANGE,
    ScoreInputError,
    cdai_crohn,
)
from remission.clinical.scores._common import categorise
from remission.clinical.scores.cdai_crohn_best1976 import BANDS, DIARY_LENGTH, cdai_crohn_items
from remission.clinical.settings_scores import CdaiCrohnSettings, DiaryConvention

NO_COMPLICATIONS = {
    "arthritis_arthralgia": False,
    "iritis_uveitis": False,
    "skin_mouth": False,
    "anal_fissure_fistula_abscess": False,
    "other_fistula": False,
    "fever": False,
}


def _example(**changes: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "liquid_stools": [3, 4, 2, 5, 3, 4, 3],  # sum 24
        "abdominal_pain": [1, 2, 1, 1, 0, 1, 2],  # sum 8
        "general_wellbeing": [2, 2, 1, 2, 1, 2, 2],  # sum 12
        "complications": NO_COMPLICATIONS
        | {"arthritis_arthralgia": True, "anal_fissure_fistula_abscess": True},
        "antidiarrhoeal": True,
        "abdominal_mass": 2,
        "haematocrit": 36.0,
        "sex": "female",
        "weight_kg": 54.0,
        "standard_weight_kg": 60.0,
    }
    kwargs.update(changes)
    return kwargs


def test_worked_example() -> None:
    # X1 stools 24 × 2 = 48; X2 pain 8 × 5 = 40; X3 well-being 12 × 7 = 84; X4 2 complications × 20 = 40;
    # X5 antidiarrhoeal 1 × 30 = 30; X6 mass 2 × 10 = 20; X7 female (42 − 36) × 6 = 36;
    # X8 100 × (1 − 54/60) = 10  → 48 + 40 + 84 + 40 + 30 + 20 + 36 + 10 = 308: active
    result = cdai_crohn(**_example())
    assert result.value == pytest.approx(308, abs=1e-6)
    assert result.category == "active"
    assert result.components["general_wellbeing"] == 84
    assert result.components["haematocrit"] == 36


def test_haematocrit_standard_by_sex() -> None:
    # male: (47 − 36) × 6 = 66 instead of 36 → 338
    assert cdai_crohn(**_example(sex="male")).value == pytest.approx(338, abs=1e-6)


def test_mean_diary_convention() -> None:
    # 24/7 × 2 = 6.857143; 8/7 × 5 = 5.714286; 12/7 × 7 = 12; + 40 + 30 + 20 + 36 + 10 = 160.571429
    settings = CdaiCrohnSettings(diary=DiaryConvention.MEAN)
    assert cdai_crohn(**_example(), settings=settings).value == pytest.approx(160.571429, abs=1e-6)


def test_weight_term_floor_setting() -> None:
    # 72 kg against a standard 60 kg: 100 × (1 − 1.2) = −20 (no floor) → 308 − 10 − 20 = 278
    assert cdai_crohn(**_example(weight_kg=72.0)).value == pytest.approx(278, abs=1e-6)
    # floored at −10 → 288
    floored = CdaiCrohnSettings(weight_term_floor=-10)
    assert cdai_crohn(**_example(weight_kg=72.0), settings=floored).value == pytest.approx(288, abs=1e-6)


@pytest.mark.parametrize(
    ("value", "category"),
    [(149.9, "remission"), (150, "active"), (450, "active"), (450.1, "severe")],
)
def test_category_boundaries(value: float, category: str) -> None:
    assert categorise(value, BANDS) == category


def test_quiet_example_is_remission() -> None:
    # all diary zeros, no complications, no drug, no mass, female Hct 42 → 0, weight = standard → 0: total 0
    result = cdai_crohn(
        **_example(
            liquid_stools=[0] * 7,
            abdominal_pain=[0] * 7,
            general_wellbeing=[0] * 7,
            complications=NO_COMPLICATIONS,
            antidiarrhoeal=False,
            abdominal_mass=0,
            haematocrit=42.0,
            weight_kg=60.0,
        )
    )
    assert result.value == 0 and result.category == "remission"


def test_missing_diary_day_and_items() -> None:
    result = cdai_crohn(**_example(liquid_stools=[3, 4, None, 5, 3, 4, 3], sex=None))
    assert result.value is None
    assert result.missing == ("liquid_stools_d3", "sex")
    complications = dict(NO_COMPLICATIONS)
    del complications["fever"]
    assert cdai_crohn(**_example(complications=complications)).missing == ("fever",)


def test_items_form() -> None:
    items: dict[str, Any] = {f"liquid_stools_d{d}": 0 for d in range(1, 8)}
    assert cdai_crohn_items(items).missing[0] == "abdominal_pain_d1"


def test_out_of_range_and_steps() -> None:
    with pytest.raises(ScoreInputError) as caught:
        cdai_crohn(**_example(abdominal_pain=[1, 2, 4, 1, 0, 1, 2]))
    assert str(caught.value) == OUT_OF_RANGE.format(item="abdominal_pain_d3", value=4, low=0, high=3)
    with pytest.raises(ScoreInputError) as caught:
        cdai_crohn(**_example(abdominal_mass=3))
    assert str(caught.value) == NOT_AN_ALLOWED_STEP.format(item="abdominal_mass", value=3, steps="0, 2, 5")
    with pytest.raises(ScoreInputError) as caught:
        cdai_crohn(**_example(sex="F"))
    assert str(caught.value) == NOT_AN_ALLOWED_CHOICE.format(item="sex", value="F", choices="male, female")


def test_diary_length() -> None:
    with pytest.raises(ValueError) as caught:
        cdai_crohn(**_example(liquid_stools=[1, 2, 3]))
    assert str(caught.value) == DIARY_LENGTH.format(item="liquid_stools", days=7, count=3)
