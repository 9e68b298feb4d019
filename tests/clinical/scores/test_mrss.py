"""mRSS: 17 sites, 0–3 each, total 0–51 (Clements 1995)."""

from __future__ import annotations

import pytest

from remission.clinical.scores import NOT_AN_INTEGER, OUT_OF_RANGE, ScoreInputError, mrss
from remission.clinical.scores.mrss_clements1995 import SITES


def _all(value: int) -> dict[str, int]:
    return dict.fromkeys(SITES, value)


def test_seventeen_sites() -> None:
    assert len(SITES) == 17
    assert SITES[:3] == ("face", "anterior_chest", "abdomen")
    assert "foot_dorsum_left" in SITES and "fingers_right" in SITES


def test_worked_example() -> None:
    sites = _all(0)
    sites.update(
        face=1,
        anterior_chest=2,
        fingers_right=3,
        fingers_left=3,
        hand_dorsum_right=2,
        hand_dorsum_left=2,
        forearm_right=1,
        forearm_left=1,
        lower_leg_right=1,
    )
    # 1 + 2 + (3 + 3) + (2 + 2) + (1 + 1) + 1 = 16
    result = mrss(sites)
    assert result.value == 16
    assert result.category is None
    assert result.components["fingers_left"] == 3


def test_range_ends() -> None:
    assert mrss(_all(0)).value == 0
    assert mrss(_all(3)).value == 51  # 17 × 3


def test_missing_sites_are_listed_never_zero() -> None:
    sites = _all(2)
    del sites["abdomen"]
    sites["thigh_left"] = None
    result = mrss(sites)
    assert result.value is None
    assert result.missing == ("abdomen", "thigh_left")


@pytest.mark.parametrize("value", [-1, 4])
def test_out_of_range(value: int) -> None:
    sites = _all(1) | {"face": value}
    with pytest.raises(ScoreInputError) as caught:
        mrss(sites)
    assert str(caught.value) == OUT_OF_RANGE.format(item="face", value=value, low=0, high=3)


def test_half_points_rejected() -> None:
    with pytest.raises(ScoreInputError) as caught:
        mrss(_all(1) | {"abdomen": 1.5})
    assert str(caught.value) == NOT_AN_INTEGER.format(item="abdomen", value=1.5)
