"""Harvey–Bradshaw index: worked example, band boundaries both sides, missing, out of range."""

from __future__ import annotations

import pytest

from remission.clinical.scores import OUT_OF_RANGE, ScoreInputError, hbi
from remission.clinical.scores.hbi_harvey1980 import COMPLICATIONS
from remission.clinical.settings_scores import Band, HbiSettings

NONE = {spec.name: False for spec in COMPLICATIONS}


def test_worked_example() -> None:
    # well-being 2 + pain 1 + 4 liquid stools + mass 1 + (arthralgia + aphthous ulcers) 2 = 10: moderate
    result = hbi(2, 1, 4, 1, NONE | {"arthralgia": True, "aphthous_ulcers": True})
    assert result.value == 10
    assert result.category == "moderate"
    assert result.components["complications"] == 2


@pytest.mark.parametrize(
    ("stools", "category"),
    [(4, "remission"), (5, "mild"), (7, "mild"), (8, "moderate"), (16, "moderate"), (17, "severe")],
)
def test_band_boundaries(stools: int, category: str) -> None:
    # everything else 0, so the index equals the stool count
    result = hbi(0, 0, stools, 0, NONE)
    assert result.value == stools
    assert result.category == category


def test_bands_are_a_setting() -> None:
    settings = HbiSettings(bands=(Band("remission", 4), Band("active", None)))
    assert hbi(0, 0, 4, 0, NONE, settings=settings).category == "remission"
    assert hbi(0, 0, 5, 0, NONE, settings=settings).category == "active"


def test_missing() -> None:
    complications = dict(NONE)
    del complications["abscess"]
    result = hbi(None, 1, 4, 1, complications)
    assert result.value is None
    assert result.missing == ("general_wellbeing", "abscess")


@pytest.mark.parametrize(
    ("args", "item", "value", "high"),
    [
        ((5, 0, 0, 0), "general_wellbeing", 5, 4),
        ((0, 4, 0, 0), "abdominal_pain", 4, 3),
        ((0, 0, 0, 4), "abdominal_mass", 4, 3),
    ],
)
def test_out_of_range(args: tuple, item: str, value: int, high: int) -> None:
    with pytest.raises(ScoreInputError) as caught:
        hbi(*args, NONE)
    assert str(caught.value) == OUT_OF_RANGE.format(item=item, value=value, low=0, high=high)
