"""Dates to NumPy days: checked against day numbers counted by hand from 1970-01-01."""

from __future__ import annotations

import datetime as dt

import numpy as np

from remission.registry.dates import as_days


def test_day_numbers_from_the_epoch() -> None:
    days = as_days([dt.date(1970, 1, 1), dt.date(1969, 12, 31), dt.date(1970, 3, 1), dt.date(2000, 1, 1)])
    assert days.dtype == np.dtype("datetime64[D]")
    # 1970-03-01 = 31 (January) + 28 (February 1970) days after the epoch; 2000-01-01 = 30 years, 7 leap days
    assert days.astype(np.int64).tolist() == [0, -1, 59, 30 * 365 + 7]


def test_none_is_not_a_time_and_empty_stays_typed() -> None:
    days = as_days([None, dt.date(2020, 2, 29)])
    assert np.isnat(days[0]) and str(days[1]) == "2020-02-29"
    assert as_days([]).dtype == np.dtype("datetime64[D]") and len(as_days([])) == 0
