"""NEDA-3: each component, the MRI re-baseline window, not computable cases."""

from __future__ import annotations

import datetime as dt

import pytest

from remission.clinical.responses import Measurement, MriScan, neda3
from remission.clinical.responses.neda import ACTIVITY, NEDA, NEGATIVE_COUNT
from remission.clinical.settings_scores import NedaSettings

D0 = dt.date(2020, 1, 1)
END = D0 + dt.timedelta(days=730)


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


STABLE_EDSS = [Measurement(day(0), 3.0), Measurement(day(365), 3.0), Measurement(day(730), 3.0)]
CLEAN_MRI = [MriScan(day(180), 0, 0), MriScan(day(540), 0, 0)]


def run(**changes) -> object:
    kwargs = {"start": D0, "end": END, "relapses": [], "edss": STABLE_EDSS, "mri": CLEAN_MRI} | changes
    return neda3(**kwargs)


def test_quiet_is_neda() -> None:
    result = run()
    assert result.decision == NEDA
    assert any(e.what.startswith("MRI") for e in result.evidence)


@pytest.mark.parametrize(("onset", "decision"), [(0, NEDA), (1, ACTIVITY), (730, ACTIVITY), (731, NEDA)])
def test_relapse_inside_the_window(onset: int, decision: str) -> None:
    # relapses count when start < onset ≤ end
    result = run(relapses=[day(onset)])
    assert result.decision == decision
    if decision == ACTIVITY:
        assert result.event_date == day(onset)


def test_confirmed_progression_is_activity() -> None:
    edss = [Measurement(day(0), 3.0), Measurement(day(300), 4.0), Measurement(day(480), 4.0)]
    result = run(edss=edss)
    assert result.decision == ACTIVITY
    assert result.event_date == day(300)


def test_a_cdp_given_by_the_caller_is_used_as_it_is() -> None:
    from remission.clinical.responses import confirmed_disability_progression

    edss = [Measurement(day(0), 3.0), Measurement(day(300), 4.0), Measurement(day(480), 4.0)]
    computed = confirmed_disability_progression(edss, [], start=D0, end=END)
    assert run(edss=edss, cdp=computed) == run(edss=edss)
    # the given result is what counts: a CDP of other ratings changes the verdict
    assert run(edss=STABLE_EDSS, cdp=computed).decision == ACTIVITY


@pytest.mark.parametrize(("t2", "gd"), [(1, 0), (0, 1), (2, 3)])
def test_mri_activity(t2: int, gd: int) -> None:
    result = run(mri=[MriScan(day(180), 0, 0), MriScan(day(540), t2, gd)])
    assert result.decision == ACTIVITY
    assert result.event_date == day(540)


@pytest.mark.parametrize(("scan_day", "decision"), [(180, NEDA), (181, ACTIVITY)])
def test_mri_rebaseline_window(scan_day: int, decision: str) -> None:
    # with a 180-day re-baseline, a Gd+ scan at day 180 is the new reference; at day 181 it counts
    settings = NedaSettings(mri_rebaseline_days=180)
    mri = [MriScan(day(scan_day), 0, 2), MriScan(day(540), 0, 0)]
    assert run(mri=mri, settings=settings).decision == decision


def test_not_computable_without_mri_or_counts() -> None:
    assert run(mri=[]).decision == "not_computable"
    result = run(mri=[MriScan(day(540), None, 0)])
    assert result.decision == "not_computable"
    assert "without both lesion counts" in result.reason


def test_activity_wins_over_missing_data() -> None:
    assert run(mri=[], relapses=[day(100)]).decision == ACTIVITY


def test_unconfirmed_rise_is_not_computable() -> None:
    edss = [Measurement(day(0), 3.0), Measurement(day(700), 4.0)]
    result = run(edss=edss)
    assert result.decision == "not_computable"
    assert "unconfirmed" in result.reason


def test_negative_lesion_count() -> None:
    with pytest.raises(ValueError) as caught:
        MriScan(day(1), -1, 0)
    assert str(caught.value) == NEGATIVE_COUNT.format(date=day(1), what="new_or_enlarging_t2", value=-1)
