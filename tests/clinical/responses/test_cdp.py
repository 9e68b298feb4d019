"""Confirmed disability progression: each baseline band, the confirmation window, relapse exclusion."""

from __future__ import annotations

import datetime as dt

import pytest

from remission.clinical.responses import Measurement, confirmed_disability_progression
from remission.clinical.responses.cdp import NO_PROGRESSION, PROGRESSION, UNCONFIRMED
from remission.clinical.scores import ScoreInputError
from remission.clinical.settings_scores import (
    CDP_BANDS_FROM_5_5,
    CDP_SETTINGS_MURARO,
    CdpSettings,
)

D0 = dt.date(2020, 1, 1)


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


def series(*points: tuple[int, float]) -> list[Measurement]:
    return [Measurement(day(n), value) for n, value in points]


@pytest.mark.parametrize(
    ("baseline", "raised", "decision"),
    [
        (0.0, 1.0, NO_PROGRESSION),  # from 0 needs +1.5
        (0.0, 1.5, PROGRESSION),
        (1.0, 1.5, NO_PROGRESSION),  # from 1.0–5.5 needs +1.0
        (1.0, 2.0, PROGRESSION),
        (3.0, 3.5, NO_PROGRESSION),
        (3.0, 4.0, PROGRESSION),
        (5.5, 6.0, NO_PROGRESSION),  # 5.5 is still in the +1.0 band
        (5.5, 6.5, PROGRESSION),
        (6.0, 6.5, PROGRESSION),  # from ≥ 6.0 needs +0.5
        (6.5, 6.5, NO_PROGRESSION),
    ],
)
def test_baseline_bands(baseline: float, raised: float, decision: str) -> None:
    # baseline at day 0; raised EDSS at day 100, held at day 280 (180 days later)
    result = confirmed_disability_progression(series((0, baseline), (100, raised), (280, raised)))
    assert result.decision == decision
    if decision == PROGRESSION:
        assert result.event_date == day(100)
        assert [(e.date, e.value) for e in result.evidence][:2] == [(day(0), baseline), (day(100), raised)]


@pytest.mark.parametrize(("confirm_day", "decision"), [(279, UNCONFIRMED), (280, PROGRESSION)])
def test_six_month_window_both_sides(confirm_day: int, decision: str) -> None:
    # rise at day 100; the confirming EDSS must be ≥ 180 days later (day 280)
    result = confirmed_disability_progression(series((0, 3.0), (100, 4.0), (confirm_day, 4.0)))
    assert result.decision == decision


@pytest.mark.parametrize(("confirm_day", "decision"), [(189, UNCONFIRMED), (190, PROGRESSION)])
def test_three_month_setting(confirm_day: int, decision: str) -> None:
    settings = CdpSettings(confirmation_days=90)
    result = confirmed_disability_progression(
        series((0, 3.0), (100, 4.0), (confirm_day, 4.0)), settings=settings
    )
    assert result.decision == decision


def test_not_sustained_then_a_later_confirmed_rise() -> None:
    # 3.0 → 4.0 (d100) → 3.5 (d200, below 4.0: not sustained) → 4.0 (d300) → 4.5 (d480): confirmed from d300
    result = confirmed_disability_progression(
        series((0, 3.0), (100, 4.0), (200, 3.5), (300, 4.0), (480, 4.5))
    )
    assert result.decision == PROGRESSION
    assert result.event_date == day(300)


def test_fall_in_between_breaks_confirmation() -> None:
    result = confirmed_disability_progression(series((0, 3.0), (100, 4.0), (200, 3.5), (400, 3.5)))
    assert result.decision == NO_PROGRESSION


def test_intermediate_values_must_hold() -> None:
    # 4.0 at d100, 4.5 at d190, 4.0 at d280: all ≥ 4.0 → confirmed at d280
    result = confirmed_disability_progression(series((0, 3.0), (100, 4.0), (190, 4.5), (280, 4.0)))
    assert result.decision == PROGRESSION
    assert [e.date for e in result.evidence] == [day(0), day(100), day(190), day(280)]


@pytest.mark.parametrize(("relapse_day", "decision"), [(70, NO_PROGRESSION), (69, PROGRESSION)])
def test_relapse_exclusion_both_sides(relapse_day: int, decision: str) -> None:
    # the raised EDSS at d100 is 30 days after a relapse at d70 (not used) or 31 days after one at d69 (used);
    # the later d280 value alone has no confirmation after it
    edss = series((0, 3.0), (100, 4.0), (280, 4.0))
    result = confirmed_disability_progression(edss, [day(relapse_day)])
    if decision == PROGRESSION:
        assert result.decision == PROGRESSION
    else:
        assert result.decision == UNCONFIRMED  # only the d280 rise is left, with nothing after it
        assert any("not used" in e.what for e in result.evidence)


def test_relapse_before_the_rating_window_only() -> None:
    # an EDSS 10 days *before* a relapse onset is used
    result = confirmed_disability_progression(series((0, 3.0), (100, 4.0), (280, 4.0)), [day(110)])
    assert result.decision == PROGRESSION


def test_explicit_baseline_and_window() -> None:
    baseline = Measurement(day(0), 2.0)
    edss = series((-50, 6.0), (100, 3.0), (280, 3.0))
    result = confirmed_disability_progression(edss, baseline=baseline, start=day(0))
    assert result.decision == PROGRESSION
    assert result.event_date == day(100)


def test_from_5_5_bands_setting() -> None:
    # baseline 5.5: +1.0 by default, +0.5 with the bands of the review [@MecaLallana2021, abstract]
    edss = series((0, 5.5), (100, 6.0), (280, 6.0))
    assert confirmed_disability_progression(edss).decision == NO_PROGRESSION
    settings = CdpSettings(bands=CDP_BANDS_FROM_5_5)
    assert confirmed_disability_progression(edss, settings=settings).decision == PROGRESSION


def test_muraro_setting() -> None:
    # Muraro 2017 as read (news summary, ◐): +1 point from any baseline, confirmed at 12 months
    assert CDP_SETTINGS_MURARO.bands == ((0.0, 1.0),)
    assert CDP_SETTINGS_MURARO.confirmation_days == 365
    # from 0: +1.0 is enough for Muraro (default needs +1.5) once held 365 days
    rise = series((0, 0.0), (100, 1.0), (465, 1.0))
    assert confirmed_disability_progression(rise).decision == NO_PROGRESSION
    assert confirmed_disability_progression(rise, settings=CDP_SETTINGS_MURARO).decision == PROGRESSION
    # held 364 days only: not yet confirmed at 12 months
    short = series((0, 0.0), (100, 1.0), (464, 1.0))
    assert confirmed_disability_progression(short, settings=CDP_SETTINGS_MURARO).decision == UNCONFIRMED
    # from 6.0: +0.5 is progression by default but not for Muraro (+1.0 from any baseline)
    high = series((0, 6.0), (100, 6.5), (480, 6.5))
    assert confirmed_disability_progression(high).decision == PROGRESSION
    assert confirmed_disability_progression(high, settings=CDP_SETTINGS_MURARO).decision == NO_PROGRESSION


def test_not_computable() -> None:
    assert confirmed_disability_progression([]).decision == "not_computable"
    assert confirmed_disability_progression(series((0, 3.0))).decision == "not_computable"


def test_invalid_step_and_settings() -> None:
    with pytest.raises(ScoreInputError, match="edss"):
        confirmed_disability_progression(series((0, 3.0), (100, 4.25)))
    with pytest.raises(ValueError, match="start at baseline 0"):
        CdpSettings(bands=((1.0, 1.0),))
