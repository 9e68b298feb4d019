"""RA CDAI [@Aletaha2005, abstract] and SDAI [@Prince2012, Table 1]: sums, categories at each cut-off."""

from __future__ import annotations

import pytest

from remission.clinical.scores import OUT_OF_RANGE, ScoreInputError, cdai_ra, sdai


def test_cdai_worked_example() -> None:
    # SJC 3 + TJC 5 + patient global 4.5 + evaluator global 3.0 = 15.5: moderate (> 10, ≤ 22)
    result = cdai_ra(5, 3, 4.5, 3.0)
    assert result.value == 15.5
    assert result.category == "moderate"


def test_sdai_worked_example() -> None:
    # 15.5 + CRP 25 mg/L = 2.5 mg/dL → 18.0: moderate (> 11, ≤ 26)
    result = sdai(5, 3, 4.5, 3.0, 25)
    assert result.value == 18.0
    assert result.components["crp"] == 2.5
    assert result.category == "moderate"


@pytest.mark.parametrize(
    ("args", "value", "category"),
    [
        ((0, 0, 1.4, 1.4), 2.8, "remission"),
        ((0, 0, 1.5, 1.4), 2.9, "low"),
        ((4, 4, 1.0, 1.0), 10.0, "low"),
        ((4, 4, 1.1, 1.0), 10.1, "moderate"),
        ((8, 6, 4.0, 4.0), 22.0, "moderate"),
        ((8, 6, 4.1, 4.0), 22.1, "high"),
    ],
)
def test_cdai_boundaries(args: tuple, value: float, category: str) -> None:
    result = cdai_ra(*args)
    assert result.value == value
    assert result.category == category


@pytest.mark.parametrize(
    ("args", "value", "category"),
    [
        ((0, 0, 1.0, 1.0, 13), 3.3, "remission"),  # CRP 13 mg/L = 1.3 mg/dL
        ((0, 0, 1.0, 1.0, 14), 3.4, "low"),
        ((4, 4, 1.0, 1.0, 10), 11.0, "low"),
        ((4, 4, 1.0, 1.0, 11), 11.1, "moderate"),
        ((8, 6, 4.0, 4.0, 40), 26.0, "moderate"),
        ((8, 6, 4.0, 4.0, 41), 26.1, "high"),
    ],
)
def test_sdai_boundaries(args: tuple, value: float, category: str) -> None:
    result = sdai(*args)
    assert result.value == value
    assert result.category == category


def test_missing() -> None:
    assert cdai_ra(5, None, 4.5, None).missing == ("sjc28", "evaluator_global")
    assert sdai(5, 3, 4.5, 3.0, None).missing == ("crp",)
    assert sdai(5, 3, 4.5, 3.0, None).value is None


def test_out_of_range() -> None:
    with pytest.raises(ScoreInputError) as caught:
        cdai_ra(5, 3, 10.5, 3.0)
    assert str(caught.value) == OUT_OF_RANGE.format(item="patient_global", value=10.5, low=0, high=10)
    with pytest.raises(ScoreInputError) as caught:
        sdai(5, 3, 4.5, 3.0, 501)
    assert str(caught.value) == OUT_OF_RANGE.format(item="crp", value=501, low=0, high=500)
