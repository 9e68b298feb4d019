"""Clark's completeness index and the reverse Kaplan-Meier median on hand examples."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from remission.analysis.completeness import clark_completeness, follow_up_summary, median_follow_up

CUTOFF = dt.date(2020, 12, 31)


def example() -> pd.DataFrame:
    # P1: day 0 1 Jan 2020, alive, last seen day 182 → observed 182, potential 365 (to 31 Dec 2020)
    # P2: day 0 30 Jun 2020, died day 90 → observed 90, potential 90 (death before the cut-off)
    # P3: day 0 2 Oct 2020, alive, seen on 31 Dec (day 90) → observed 90, potential 90
    # P4: day 0 after the cut-off → left out
    return pd.DataFrame(
        {
            "infusion_date": pd.to_datetime(["2020-01-01", "2020-06-30", "2020-10-02", "2021-02-01"]),
            "os_days": [182, 90, 90, 10],
            "os_event": [0, 1, 0, 0],
            "disease": ["ms", "ms", "ssc", "ssc"],
        }
    )


def test_clark_hand_example() -> None:
    clark = clark_completeness(example(), cutoff=CUTOFF)
    assert (clark.observed_days, clark.potential_days, clark.patients) == (362, 545, 3)
    assert clark.index == pytest.approx(362 / 545)


def test_death_after_cutoff_counts_to_the_cutoff() -> None:
    frame = pd.DataFrame({"infusion_date": pd.to_datetime(["2020-12-01"]), "os_days": [60], "os_event": [1]})
    # died on day 60 (30 Jan 2021), after the cut-off: observed and potential both 30 days
    clark = clark_completeness(frame, cutoff=CUTOFF)
    assert (clark.observed_days, clark.potential_days, clark.index) == (30, 30, 1.0)


def test_reverse_kaplan_meier_median() -> None:
    # reversed: censored at 10 (a death), "events" at 20 and 30 (alive); S = 2/3 at 20, 1/3 at 30 → 30
    frame = pd.DataFrame({"os_days": [10, 20, 30, 40], "os_event": [1, 0, 0, 1]})
    assert median_follow_up(frame).estimate == 30


def test_summary_by_disease() -> None:
    summary = follow_up_summary(example().iloc[:3], cutoff=CUTOFF, strata="disease")
    assert list(summary["stratum"]) == ["all", "ms", "ssc"]
    assert summary.loc[1, "clark_c"] == pytest.approx((182 + 90) / (365 + 90))
    assert summary.loc[2, "clark_c"] == pytest.approx(1.0)
