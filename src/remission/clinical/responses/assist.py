"""ASSIST response in systemic sclerosis: mRSS fall or FVC rise at 12 months.

Reference: Burt RK, Shah SJ, Dill K, et al. Autologous non-myeloablative haemopoietic stem-cell
transplantation compared with pulse cyclophosphamide once per month for systemic sclerosis (ASSIST):
an open-label, randomised phase 2 trial. Lancet 2011;378:498-506 [@Burt2011]. Primary end point ✔
[@Burt2011, abstract]: "improvement at 12 months' follow-up, defined as a decrease in mRSS (>25 for those
with initial mRSS >14) or an increase in forced vital capacity by more than 10" (the % signs were lost on
the page read; a review's trial table gives "a decrease in mRSS (>25% for those with initial mRSS >14) or
an increase in FVC > 10%").

So the mRSS criterion counts only for a patient whose baseline mRSS is above 14 ✔: with a baseline of 14
or less, an mRSS fall is reported as evidence but is not a response; only the FVC criterion can be met.

Settings (:class:`~remission.clinical.settings_scores.AssistSettings`): both thresholds; the baseline mRSS
above which the mRSS criterion applies (14 ✔; None = always); whether the FVC rise is relative to baseline
(default) or in % predicted points ⚠; the time point (365 days ✔) and the window around it (± 90 days ◐).
Baseline = the last value on or before the baseline date; follow-up = the value nearest the time point
inside the window (the earlier one on a tie).

Decision: ``response`` if either applicable component is met (even if the other is missing);
``no_response`` when every applicable component is known and none is met; otherwise not computable.
Percentages are rounded to 6 decimals before comparing, so 80 → 88 is a rise of exactly 10 % (not a
response: "more than").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from remission.clinical.responses._common import (
    NOT_COMPUTABLE,
    Evidence,
    Measurement,
    ResponseResult,
    by_date,
    percent,
)
from remission.clinical.settings_scores import AssistSettings

DEFINITION = "assist_response"
SOURCE = "Burt RK et al. Lancet 2011;378:498-506 (ASSIST primary end point) [@Burt2011, abstract]"
RESPONSE = "response"
NO_RESPONSE = "no_response"
DEFAULT_SETTINGS = AssistSettings()


def _baseline(series: Sequence[Measurement], day: dt.date) -> Measurement | None:
    before = [m for m in by_date(series) if m.date <= day]
    return before[-1] if before else None


def _follow_up(series: Sequence[Measurement], day: dt.date, settings: AssistSettings) -> Measurement | None:
    target = day + dt.timedelta(days=settings.timepoint_days)
    inside = [
        m for m in by_date(series) if m.date > day and abs((m.date - target).days) <= settings.window_days
    ]
    return min(inside, key=lambda m: abs((m.date - target).days)) if inside else None


def assist_response(
    *,
    baseline_date: dt.date,
    mrss: Sequence[Measurement],
    fvc: Sequence[Measurement],
    settings: AssistSettings = DEFAULT_SETTINGS,
) -> ResponseResult:
    """ASSIST response from mRSS and FVC (% predicted) series around ``baseline_date``."""
    evidence: list[Evidence] = []
    met: list[str] = []
    unknown: list[str] = []

    m0, m1 = _baseline(mrss, baseline_date), _follow_up(mrss, baseline_date, settings)
    qualifier = settings.mrss_min_baseline
    not_applicable: str | None = None
    if m0 is not None and qualifier is not None and m0.value <= qualifier:
        # the mRSS criterion applies only to a baseline mRSS above the qualifier (ASSIST: > 14)
        not_applicable = f"mRSS criterion not applicable: baseline mRSS {m0.value:g} ≤ {qualifier:g}"
        evidence.append(Evidence(m0.date, m0.value, "baseline mRSS (criterion not applicable)"))
        if m1 is not None and m0.value > 0:
            evidence.append(Evidence(m1.date, m1.value, "follow-up mRSS"))
            evidence.append(Evidence(m1.date, percent(m0.value - m1.value, m0.value), "mRSS fall, %"))
    elif m0 is None or m1 is None or m0.value <= 0:
        unknown.append("mRSS: " + ("baseline is 0" if m0 and m1 else "no baseline or no value in the window"))
    else:
        fall = percent(m0.value - m1.value, m0.value)
        evidence += [
            Evidence(m0.date, m0.value, "baseline mRSS"),
            Evidence(m1.date, m1.value, "follow-up mRSS"),
            Evidence(m1.date, fall, "mRSS fall, %"),
        ]
        if fall > settings.mrss_fall_pct:
            met.append(f"mRSS fell {fall:g} % (> {settings.mrss_fall_pct:g} %)")

    f0, f1 = _baseline(fvc, baseline_date), _follow_up(fvc, baseline_date, settings)
    if f0 is None or f1 is None:
        unknown.append("FVC: no baseline or no value in the window")
    else:
        if settings.fvc_rise_relative:
            rise, unit = percent(f1.value - f0.value, f0.value), "% of baseline"
        else:
            rise, unit = round(f1.value - f0.value, 6), "% predicted points"
        evidence += [
            Evidence(f0.date, f0.value, "baseline FVC % predicted"),
            Evidence(f1.date, f1.value, "follow-up FVC % predicted"),
            Evidence(f1.date, rise, f"FVC rise, {unit}"),
        ]
        if rise > settings.fvc_rise_pct:
            met.append(f"FVC rose {rise:g} {unit} (> {settings.fvc_rise_pct:g})")

    if met:
        return ResponseResult(DEFINITION, RESPONSE, tuple(evidence), "; ".join(met), None, SOURCE)
    if unknown:
        reason = "neither threshold met by the values known; missing: " + "; ".join(unknown)
        if not_applicable:
            reason += f" ({not_applicable})"
        return ResponseResult(DEFINITION, NOT_COMPUTABLE, tuple(evidence), reason, None, SOURCE)
    mrss_part = not_applicable or f"mRSS fall ≤ {settings.mrss_fall_pct:g} %"
    reason = f"{mrss_part} and FVC rise ≤ {settings.fvc_rise_pct:g} at {settings.timepoint_days} days"
    return ResponseResult(DEFINITION, NO_RESPONSE, tuple(evidence), reason, None, SOURCE)
