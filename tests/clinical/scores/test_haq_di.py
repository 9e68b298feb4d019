"""HAQ-DI: highest item per category, aids/devices adjustment, ≥ 6 categories."""

from __future__ import annotations

import pytest

from remission.clinical.scores import OUT_OF_RANGE, ScoreInputError, haq_di
from remission.clinical.settings_scores import HaqDiSettings

EXAMPLE = {
    "dress_self": 1, "shampoo_hair": 0,  # dressing 1
    "stand_from_chair": 2, "in_out_of_bed": 1,  # arising 2
    "cut_meat": 0, "lift_cup": 0, "open_milk_carton": 1,  # eating 1
    "walk_outdoors": 1, "climb_steps": 1,  # walking 1 (→ 2 with a cane)
    "wash_dry_body": 0, "take_tub_bath": 0, "on_off_toilet": 0,  # hygiene 0
    "reach_object": 3, "bend_pick_up": 2,  # reach 3
    "open_car_doors": 1, "open_jars": 1, "turn_faucets": 0,  # grip 1
    "run_errands": 2, "in_out_of_car": 2, "chores": 1,  # activities 2
    "walking_aid": True,
    "reach_aid": True,  # 3 stays 3
}  # fmt: skip


def test_worked_example_with_aids() -> None:
    # 1 + 2 + 1 + 2 (walking raised from 1 to 2) + 0 + 3 + 1 + 2 = 12; 12 / 8 = 1.5
    result = haq_di(EXAMPLE)
    assert result.value == 1.5
    assert result.components["walking"] == 2
    assert result.components["reach"] == 3
    assert result.missing == ()


def test_without_aids_adjustment() -> None:
    # 1 + 2 + 1 + 1 + 0 + 3 + 1 + 2 = 11; 11 / 8 = 1.375
    assert haq_di(EXAMPLE, settings=HaqDiSettings(use_aids_devices=False)).value == 1.375


def test_aid_raises_zero_to_two() -> None:
    # hygiene 0 with a raised toilet seat → 2: 12 + 2 = 14; 14 / 8 = 1.75
    assert haq_di(EXAMPLE | {"hygiene_aid": True}).value == 1.75


def test_six_categories_is_enough_five_is_not() -> None:
    six = {k: v for k, v in EXAMPLE.items() if k not in {"open_car_doors", "open_jars", "turn_faucets"}}
    six = {k: v for k, v in six.items() if k not in {"run_errands", "in_out_of_car", "chores"}}
    # dressing 1 + arising 2 + eating 1 + walking 2 + hygiene 0 + reach 3 = 9; 9 / 6 = 1.5
    result = haq_di(six)
    assert result.value == 1.5
    assert "chores" in result.missing
    five = {k: v for k, v in six.items() if k not in {"wash_dry_body", "take_tub_bath", "on_off_toilet"}}
    result = haq_di(five)
    assert result.value is None
    assert result.missing == (
        "wash_dry_body",
        "take_tub_bath",
        "on_off_toilet",
        "open_car_doors",
        "open_jars",
        "turn_faucets",
        "run_errands",
        "in_out_of_car",
        "chores",
    )


def test_one_answered_question_counts_its_category() -> None:
    partial = dict(EXAMPLE)
    del partial["dress_self"]  # dressing now 0 (shampoo 0): 12 − 1 = 11; 11 / 8 = 1.375
    result = haq_di(partial)
    assert result.value == 1.375
    assert result.missing == ("dress_self",)


def test_range_ends() -> None:
    questions = [k for k in EXAMPLE if not k.endswith("_aid")]
    assert haq_di(dict.fromkeys(questions, 0)).value == 0
    assert haq_di(dict.fromkeys(questions, 3)).value == 3


def test_out_of_range() -> None:
    with pytest.raises(ScoreInputError) as caught:
        haq_di(EXAMPLE | {"chores": 4})
    assert str(caught.value) == OUT_OF_RANGE.format(item="chores", value=4, low=0, high=3)
