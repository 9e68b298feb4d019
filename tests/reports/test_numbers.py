"""How reports write numbers (hand-written expectations)."""

from __future__ import annotations

import math

from remission.reports.numbers import MISSING, format_p, format_percent_ci, format_ratio


def test_percent_with_interval() -> None:
    assert format_percent_ci(0.8523, 0.80149, 0.89351) == "85.2% (80.1–89.4)"
    assert format_percent_ci(1.0, math.nan, math.nan) == "100.0%"
    assert format_percent_ci(math.nan, 0.1, 0.2) == MISSING


def test_ratio_and_p() -> None:
    assert format_ratio(1.234, 0.9, 1.7) == "1.23 (0.90–1.70)"
    assert format_p(0.0004) == "<0.001"
    assert format_p(0.0123) == "0.012"
    assert format_p(0.0042) == "0.004"
    assert format_p(0.456) == "0.46"
    assert format_p(None) == MISSING
