"""JADAS-10/27/71 and cJADAS-10 (Consolaro 2009), with the ESR normalisation."""

from __future__ import annotations

import pytest

from remission.clinical.scores import OUT_OF_RANGE, ScoreInputError, jadas, normalised_esr
from remission.clinical.scores.jadas_consolaro2009 import UNKNOWN_JOINT_SET


def test_worked_example_all_versions() -> None:
    # physician 3, parent 4, 12 active joints, ESR 35 mm/h → normalised (35 − 20)/10 = 1.5
    # JADAS-10: 3 + 4 + min(12, 10) + 1.5 = 18.5
    # JADAS-27 and -71: 3 + 4 + 12 + 1.5 = 20.5
    # cJADAS-10: 3 + 4 + 10 = 17
    assert jadas(3, 4, 12, 35).value == 18.5
    assert jadas(3, 4, 12, 35, joints=27).value == 20.5
    assert jadas(3, 4, 12, 35, joints=71).value == 20.5
    result = jadas(3, 4, 12, None, clinical=True)
    assert result.value == 17 and result.instrument == "cjadas10"
    assert jadas(3, 4, 12, 35).components["active_joints"] == 10


@pytest.mark.parametrize(
    ("esr", "normalised"),
    [(0, 0.0), (19, 0.0), (20, 0.0), (21, 0.1), (70, 5.0), (119, 9.9), (120, 10.0), (121, 10.0), (200, 10.0)],
)
def test_esr_normalisation(esr: float, normalised: float) -> None:
    # ESR < 20 counts as 20, ESR > 120 as 120; (ESR − 20)/10
    assert normalised_esr(esr) == pytest.approx(normalised, abs=1e-12)


def test_joint_cap_boundary() -> None:
    # 10 active joints count 10; 11 are capped at 10 in JADAS-10 but not in JADAS-27
    assert jadas(0, 0, 10, 20).value == 10
    assert jadas(0, 0, 11, 20).value == 10
    assert jadas(0, 0, 11, 20, joints=27).value == 11


def test_range_ends() -> None:
    assert jadas(10, 10, 71, 200).value == 40
    assert jadas(10, 10, 27, 200, joints=27).value == 57
    assert jadas(10, 10, 71, 200, joints=71).value == 101
    assert jadas(10, 10, 71, clinical=True).value == 30


def test_missing() -> None:
    result = jadas(3, None, 12, None)
    assert result.value is None
    assert result.missing == ("parent_global", "esr")
    assert jadas(3, 4, 12, None, clinical=True).missing == ()


def test_joint_count_out_of_range_for_the_joint_set() -> None:
    with pytest.raises(ScoreInputError) as caught:
        jadas(3, 4, 28, 35, joints=27)
    assert str(caught.value) == OUT_OF_RANGE.format(item="active_joints", value=28, low=0, high=27)
    with pytest.raises(ScoreInputError) as caught:
        jadas(3, 4, 72, 35)
    assert str(caught.value) == OUT_OF_RANGE.format(item="active_joints", value=72, low=0, high=71)


def test_global_out_of_range() -> None:
    with pytest.raises(ScoreInputError) as caught:
        jadas(11, 4, 2, 35)
    assert str(caught.value) == OUT_OF_RANGE.format(item="physician_global", value=11, low=0, high=10)


def test_unknown_joint_set() -> None:
    with pytest.raises(ValueError) as caught:
        jadas(3, 4, 2, 35, joints=28)
    assert str(caught.value) == UNKNOWN_JOINT_SET.format(joints=28)
