"""EDSS: validation of the allowed steps (no derivation from functional systems)."""

from __future__ import annotations

import pytest

from remission.clinical.scores import NOT_AN_ALLOWED_STEP, OUT_OF_RANGE, ScoreInputError, edss
from remission.clinical.scores.edss_kurtzke1983 import STEPS

STEP_TEXT = "0, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5, 8, 8.5, 9, 9.5, 10"


def test_steps_written_out() -> None:
    # Kurtzke 1983: 0, then 1.0 to 9.5 in half steps, then 10 — 20 steps, no 0.5
    expected = (0, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5, 8, 8.5, 9, 9.5, 10)
    assert expected == STEPS


@pytest.mark.parametrize("value", [0, 1.0, 1.5, 5.5, 6.0, 9.5, 10])
def test_allowed_steps(value: float) -> None:
    result = edss(value)
    assert result.value == value
    assert result.missing == ()


@pytest.mark.parametrize("value", [0.5, 1.2, 3.25, 9.75])
def test_not_a_step(value: float) -> None:
    with pytest.raises(ScoreInputError) as caught:
        edss(value)
    assert str(caught.value) == NOT_AN_ALLOWED_STEP.format(item="edss", value=value, steps=STEP_TEXT)


@pytest.mark.parametrize("value", [-0.5, 10.5])
def test_out_of_range(value: float) -> None:
    with pytest.raises(ScoreInputError) as caught:
        edss(value)
    assert str(caught.value) == OUT_OF_RANGE.format(item="edss", value=value, low=0, high=10)


def test_missing_is_not_computed_from_functional_systems() -> None:
    result = edss(None, functional_systems={"fs_pyramidal": 3, "fs_cerebellar": 2})
    assert result.value is None
    assert result.missing == ("edss",)
    assert result.components == {"fs_pyramidal": 3, "fs_cerebellar": 2}


def test_functional_system_ranges() -> None:
    assert edss(3.0, functional_systems={"fs_pyramidal": 6, "fs_cerebral": 5}).value == 3.0
    with pytest.raises(ScoreInputError) as caught:
        edss(3.0, functional_systems={"fs_cerebellar": 6})
    assert str(caught.value) == OUT_OF_RANGE.format(item="fs_cerebellar", value=6, low=0, high=5)
