"""The completeness arithmetic (registry/quality/completeness.py), against examples worked by hand."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from remission.registry.quality.completeness import (
    clark_index,
    forms_in_window,
    open_queries,
    year_of,
)

D = dt.date
NAT = None


def test_clark_three_patients_worked_by_hand() -> None:
    # cut-off 2024-12-31
    # A: day 0 2024-01-01, alive, last seen 2024-07-01: potential 365 (to the cut-off; 2024 is a leap
    #    year, 2024-01-01 -> 2024-12-31 = 365 days), observed 182 (Jan 31 + Feb 29 + Mar 31 + Apr 30
    #    + May 31 + Jun 30 = 182)
    # B: day 0 2024-03-01, died 2024-05-10: potential = observed = 70 (Mar 1 -> Apr 1: 31, -> May 1: 30,
    #    -> May 10: 9); death is complete follow-up
    # C: day 0 2024-10-01, seen on the cut-off: potential = observed = 91 (Oct 31 + Nov 30 + Dec 30)
    # C = (182 + 70 + 91) / (365 + 70 + 91) = 343 / 526
    result = clark_index(
        [D(2024, 1, 1), D(2024, 3, 1), D(2024, 10, 1)],
        [D(2024, 7, 1), D(2024, 5, 10), D(2024, 12, 31)],
        [NAT, D(2024, 5, 10), NAT],
        D(2024, 12, 31),
    )
    assert (result.observed_days, result.potential_days) == (343, 526)
    assert result.index == pytest.approx(343 / 526)
    assert (result.patients, result.left_out, result.deaths) == (3, 0, 1)


def test_a_death_after_the_cut_off_is_not_seen() -> None:
    # day 0 2024-01-01, last seen 2024-06-30 (181 days), died 2025-02-01 after the cut-off 2024-12-31:
    # potential runs to the cut-off (365), observed to the last contact (181)
    result = clark_index([D(2024, 1, 1)], [D(2024, 6, 30)], [D(2025, 2, 1)], D(2024, 12, 31))
    assert (result.observed_days, result.potential_days, result.deaths) == (181, 365, 0)


def test_day0_after_the_cut_off_is_left_out_and_contacts_are_clipped() -> None:
    # P1: day 0 2024-12-01, a contact recorded after the cut-off 2024-12-11: observed stops at the
    #     cut-off (10 of 10 days)
    # P2: day 0 2025-01-05 after the cut-off: left out
    # P3: day 0 2024-12-01, no contact at all: observed 0 of 10 days
    result = clark_index(
        [D(2024, 12, 1), D(2025, 1, 5), D(2024, 12, 1)],
        [D(2025, 3, 1), D(2025, 1, 5), NAT],
        [NAT, NAT, NAT],
        D(2024, 12, 11),
    )
    assert (result.patients, result.left_out) == (2, 1)
    assert (result.observed_days, result.potential_days) == (10, 20)
    assert result.index == 0.5


def test_clark_matches_a_published_worked_example() -> None:
    # lbsurv (R, L. Braglia), tests/testthat/test-fup_completeness.R: times 180, 12, 240, 250 days with
    # events 0, 1, 0, 1 and a cut-off at day 200 give C = 0.967320261437909 overall, 0.905660377358491
    # for group A (the first two) and 1 for group B. By hand: censored at 200 the times are 180, 12
    # (death), 200, 200 (the death at 250 is after the cut-off); potential 200, 12, 200, 200 = 612;
    # observed 592; 592 / 612 = 0.96732…; A: 192 / 212.
    start = D(2020, 1, 1)
    day = dt.timedelta(days=1)
    last = [start + 180 * day, start + 12 * day, start + 240 * day, start + 250 * day]
    death = [NAT, start + 12 * day, NAT, start + 250 * day]
    cutoff = start + 200 * day
    overall = clark_index([start] * 4, last, death, cutoff)
    assert overall.index == pytest.approx(0.967320261437909, abs=1e-12)
    group_a = clark_index([start] * 2, last[:2], death[:2], cutoff)
    assert group_a.index == pytest.approx(0.905660377358491, abs=1e-12)
    group_b = clark_index([start] * 2, last[2:], death[2:], cutoff)
    assert group_b.index == 1.0


def test_no_potential_time_is_undefined() -> None:
    empty = clark_index([], [], [], D(2024, 1, 1))
    assert (empty.patients, empty.potential_days) == (0, 0)
    assert math.isnan(empty.index)
    with pytest.raises(ValueError, match="one value per patient"):
        clark_index([D(2024, 1, 1)], [], [NAT], D(2024, 2, 1))


def test_forms_in_window_by_hand() -> None:
    # cut-off 2024-06-01; five forms:
    # 1 window ended 2024-05-19, received 2024-04-02         -> expected, received
    # 2 window ended 2024-05-19, none                        -> expected (overdue)
    # 3 window ended 2024-05-19, not required (death)        -> not counted
    # 4 window ends 2024-08-25 (still open), received early  -> not counted (window not closed)
    # 5 window ended 2024-01-31, received 2024-01-20         -> expected, received
    # share = 2 / 3
    result = forms_in_window(
        [D(2024, 5, 19), D(2024, 5, 19), D(2024, 5, 19), D(2024, 8, 25), D(2024, 1, 31)],
        [D(2024, 4, 2), NAT, NAT, D(2024, 6, 1), D(2024, 1, 20)],
        [False, False, True, False, False],
        D(2024, 6, 1),
    )
    assert (result.expected, result.received) == (3, 2)
    assert result.share == pytest.approx(2 / 3)
    assert math.isnan(forms_in_window([], [], [], D(2024, 6, 1)).share)


def test_open_query_ages_by_hand() -> None:
    # cut-off 2024-06-01; raised 2024-05-31 (1 day), 2024-05-22 (10 days), 2024-03-03 (90 days: Mar 29
    # + Apr 30 + May 31), 2024-06-05 (after the cut-off: left out); median of 1, 10, 90 = 10
    result = open_queries([D(2024, 5, 31), D(2024, 5, 22), D(2024, 3, 3), D(2024, 6, 5)], D(2024, 6, 1))
    assert (result.count, result.median_age_days) == (3, 10.0)
    # an even count: median of 1 and 10 = 5.5
    assert open_queries([D(2024, 5, 31), D(2024, 5, 22)], D(2024, 6, 1)).median_age_days == 5.5
    none = open_queries([], D(2024, 6, 1))
    assert none.count == 0 and math.isnan(none.median_age_days)


def test_year_of() -> None:
    days = np.array(["2019-12-31", "2020-01-01", "NaT"], dtype="datetime64[D]")
    assert year_of(days).tolist() == [2019, 2020, -1]
