"""EULAR response: every cell of the table, both sides of 0.6, 1.2, 3.2 and 5.1."""

from __future__ import annotations

import datetime as dt

import pytest

from remission.clinical.responses import Measurement, eular_response
from remission.clinical.responses._common import DATES_OUT_OF_ORDER
from remission.clinical.responses.eular import DAS28_OUT_OF_RANGE

B, F = dt.date(2021, 1, 1), dt.date(2021, 7, 1)


@pytest.mark.parametrize(
    ("before", "after", "decision"),
    [
        # follow-up ≤ 3.2
        (4.50, 3.20, "good"),  # improvement 1.30 > 1.2
        (4.40, 3.20, "moderate"),  # 1.20: not > 1.2
        (3.90, 3.20, "moderate"),  # 0.70 > 0.6
        (3.80, 3.20, "none"),  # 0.60: not > 0.6
        (5.00, 3.80, "moderate"),  # follow-up 3.8 is > 3.2; improvement exactly 1.20
        # follow-up > 3.2 to ≤ 5.1
        (4.51, 3.21, "moderate"),  # 1.30 but follow-up > 3.2: moderate, not good
        (5.80, 5.10, "moderate"),  # 0.70
        (5.70, 5.10, "none"),  # 0.60
        # follow-up > 5.1
        (6.41, 5.11, "moderate"),  # 1.30 > 1.2
        (6.31, 5.11, "none"),  # 1.20
        (6.00, 5.11, "none"),  # 0.89: moderate would need ≤ 5.1
    ],
)
def test_table(before: float, after: float, decision: str) -> None:
    result = eular_response(Measurement(B, before), Measurement(F, after))
    assert result.decision == decision
    assert [(e.date, e.value) for e in result.evidence[:2]] == [(B, before), (F, after)]


def test_reported_precision() -> None:
    # 4.404 and 3.196 are reported as 4.40 and 3.20: improvement 1.20, moderate (not 1.208 → good)
    assert eular_response(Measurement(B, 4.404), Measurement(F, 3.196)).decision == "moderate"


def test_errors() -> None:
    with pytest.raises(ValueError) as caught:
        eular_response(Measurement(F, 5.0), Measurement(B, 3.0))
    assert str(caught.value) == DATES_OUT_OF_ORDER.format(what="EULAR response", later=B, earlier=F)
    with pytest.raises(ValueError) as caught:
        eular_response(Measurement(B, 11.0), Measurement(F, 3.0))
    assert str(caught.value) == DAS28_OUT_OF_RANGE.format(value=11.0, date=B, low=0, high=10)
