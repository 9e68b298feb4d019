"""ASSIST SSc response: > 25 % mRSS fall (baseline mRSS > 14) or > 10 % FVC rise at 12 months.

[@Burt2011, abstract]: "improvement at 12 months' follow-up, defined as a decrease in mRSS (>25 for those with
initial mRSS >14) or an increase in forced vital capacity by more than 10". Thresholds are settings.
"""

from __future__ import annotations

import datetime as dt

import pytest

from remission.clinical.responses import Measurement, assist_response
from remission.clinical.responses.assist import NO_RESPONSE, RESPONSE
from remission.clinical.settings_scores import AssistSettings

D0 = dt.date(2019, 3, 1)


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


def run(mrss: tuple[float, float] | None, fvc: tuple[float, float] | None, at: int = 365, **kw) -> object:
    m = [Measurement(day(-10), mrss[0]), Measurement(day(at), mrss[1])] if mrss else []
    f = [Measurement(day(-5), fvc[0]), Measurement(day(at), fvc[1])] if fvc else []
    return assist_response(baseline_date=D0, mrss=m, fvc=f, **kw)


@pytest.mark.parametrize(
    ("mrss", "decision"),
    [((20, 15), NO_RESPONSE), ((40, 29), RESPONSE), ((40, 30), NO_RESPONSE)],
    # 20 → 15: 5/20 = 25 % (not > 25); 40 → 29: 11/40 = 27.5 %; 40 → 30: 25 %
)
def test_mrss_threshold(mrss: tuple[float, float], decision: str) -> None:
    assert run(mrss, (80, 80)).decision == decision


@pytest.mark.parametrize(
    ("fvc", "decision"),
    [((80, 88), NO_RESPONSE), ((80, 88.1), RESPONSE)],
    # 8/80 = 10 % exactly (not > 10); 8.1/80 = 10.125 %
)
def test_fvc_relative_threshold(fvc: tuple[float, float], decision: str) -> None:
    assert run((20, 20), fvc).decision == decision


def test_fvc_absolute_setting() -> None:
    absolute = AssistSettings(fvc_rise_relative=False)
    # 80 → 88.1 is 8.1 points: no; 80 → 90.5 is 10.5 points: yes; 80 → 90 exactly 10: no
    assert run((20, 20), (80, 88.1), settings=absolute).decision == NO_RESPONSE
    assert run((20, 20), (80, 90.5), settings=absolute).decision == RESPONSE
    assert run((20, 20), (80, 90), settings=absolute).decision == NO_RESPONSE


def test_thresholds_are_settings() -> None:
    # 40 → 30 is 25 %: a response when the threshold is 20 %
    assert run((40, 30), (80, 80), settings=AssistSettings(mrss_fall_pct=20)).decision == RESPONSE


@pytest.mark.parametrize(("at", "computable"), [(275, True), (455, True), (274, False), (456, False)])
def test_window_both_sides(at: int, computable: bool) -> None:
    # the 12-month value must fall within 365 ± 90 days
    result = run((40, 29), (80, 80), at=at)
    assert result.decision == (RESPONSE if computable else "not_computable")


def test_one_component_suffices_when_met() -> None:
    result = run((40, 29), None)
    assert result.decision == RESPONSE
    assert [e.what for e in result.evidence] == ["baseline mRSS", "follow-up mRSS", "mRSS fall, %"]
    assert result.evidence[2].value == 27.5


def test_not_computable_when_unmet_and_missing() -> None:
    result = run((40, 35), None)
    assert result.decision == "not_computable"
    assert "FVC" in result.reason


def test_zero_baseline_mrss() -> None:
    # a baseline of 0 is ≤ 14: the mRSS criterion does not apply; FVC known and not met → no response
    assert run((0, 0), (80, 80)).decision == NO_RESPONSE
    # without the qualifier a zero baseline leaves the mRSS fall undefined
    assert run((0, 0), (80, 80), settings=AssistSettings(mrss_min_baseline=None)).decision == "not_computable"


@pytest.mark.parametrize(
    ("mrss", "decision"),
    [
        ((10, 7), NO_RESPONSE),  # 30 % fall, but baseline 10 ≤ 14: not an mRSS responder
        ((14, 9.8), NO_RESPONSE),  # 30 % fall from exactly 14: still ≤ 14
        ((15, 10.5), RESPONSE),  # 30 % fall from 15 > 14
    ],
)
def test_mrss_criterion_needs_baseline_above_14(mrss: tuple[float, float], decision: str) -> None:
    result = run(mrss, (80, 80))
    assert result.decision == decision
    if decision == NO_RESPONSE:
        assert "not applicable" in result.reason
        assert result.evidence[0].what == "baseline mRSS (criterion not applicable)"


def test_low_baseline_mrss_can_still_respond_on_fvc() -> None:
    assert run((10, 7), (80, 90)).decision == RESPONSE  # FVC 80 → 90: 12.5 % rise
    # with the FVC missing, a low-baseline patient is not computable (the mRSS cannot decide)
    result = run((10, 7), None)
    assert result.decision == "not_computable"
    assert "not applicable" in result.reason


def test_baseline_qualifier_is_a_setting() -> None:
    assert run((10, 7), (80, 80), settings=AssistSettings(mrss_min_baseline=None)).decision == RESPONSE
    assert run((10, 7), (80, 80), settings=AssistSettings(mrss_min_baseline=9)).decision == RESPONSE


def test_nearest_value_in_the_window() -> None:
    m = [Measurement(day(-10), 40), Measurement(day(300), 35), Measurement(day(370), 29)]
    f = [Measurement(day(0), 80), Measurement(day(365), 80)]
    result = assist_response(baseline_date=D0, mrss=m, fvc=f)
    assert result.decision == RESPONSE  # day 370 (5 days off) beats day 300 (65 days off)
