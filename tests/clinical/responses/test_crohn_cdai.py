"""Crohn's CDAI remission (< 150) and response (fall ≥ 100 or ≥ 70: a setting)."""

from __future__ import annotations

import datetime as dt

import pytest

from remission.clinical.responses import Measurement, cdai_remission, cdai_response
from remission.clinical.responses._common import DATES_OUT_OF_ORDER
from remission.clinical.settings_scores import CrohnResponseSettings

B, F = dt.date(2022, 1, 1), dt.date(2022, 4, 1)


@pytest.mark.parametrize(
    ("value", "decision"), [(149, "remission"), (149.9, "remission"), (150, "no_remission")]
)
def test_remission(value: float, decision: str) -> None:
    result = cdai_remission(Measurement(F, value))
    assert result.decision == decision
    assert result.evidence[0].value == value


@pytest.mark.parametrize(("after", "decision"), [(200, "response"), (201, "no_response")])
def test_cr100(after: float, decision: str) -> None:
    # 300 → 200 is a fall of 100 (≥ 100); 300 → 201 is 99
    result = cdai_response(Measurement(B, 300), Measurement(F, after))
    assert result.decision == decision
    assert result.definition == "cdai_response_100"


@pytest.mark.parametrize(("after", "decision"), [(230, "response"), (231, "no_response")])
def test_cr70_setting(after: float, decision: str) -> None:
    settings = CrohnResponseSettings(response_fall=70)
    assert cdai_response(Measurement(B, 300), Measurement(F, after), settings=settings).decision == decision


def test_dates_out_of_order() -> None:
    with pytest.raises(ValueError) as caught:
        cdai_response(Measurement(F, 300), Measurement(B, 100))
    assert str(caught.value) == DATES_OUT_OF_ORDER.format(what="CDAI response", later=B, earlier=F)
