"""FVC and DLCO % predicted as validated single values."""

from __future__ import annotations

import pytest

from remission.clinical.scores import OUT_OF_RANGE, ScoreInputError, dlco_pct, fvc_pct


def test_values_pass_through() -> None:
    assert fvc_pct(72.5).value == 72.5
    assert dlco_pct(40).value == 40.0


def test_missing() -> None:
    assert fvc_pct(None).value is None
    assert fvc_pct(None).missing == ("fvc_pct",)


@pytest.mark.parametrize(("value", "ok"), [(9.9, False), (10, True), (200, True), (200.1, False)])
def test_fvc_range(value: float, ok: bool) -> None:
    if ok:
        assert fvc_pct(value).value == value
    else:
        with pytest.raises(ScoreInputError) as caught:
            fvc_pct(value)
        assert str(caught.value) == OUT_OF_RANGE.format(item="fvc_pct", value=value, low=10, high=200)


def test_dlco_range() -> None:
    with pytest.raises(ScoreInputError) as caught:
        dlco_pct(4)
    assert str(caught.value) == OUT_OF_RANGE.format(item="dlco_pct", value=4, low=5, high=200)
