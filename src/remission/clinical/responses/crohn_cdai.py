"""Crohn's disease: CDAI remission and CDAI response.

Reference: Best WR et al. Gastroenterology 1976;70:439-44 [@Best1976, abstract] (CDAI). Remission <150 ⚠:
Best 1976 calls "150 and below" quiescent; <150 is the trial convention ◐. Response as a fall of ≥70
(CR-70) or ≥100 (CR-100) points ◐ (trial conventions, no named table read); which fall is used is a
setting (:class:`~remission.clinical.settings_scores.CrohnResponseSettings`, default CR-100).

Remission: CDAI < 150 at the assessment. Response: baseline CDAI − follow-up CDAI ≥ the fall (rounded to
6 decimals before comparing).
"""

from __future__ import annotations

from remission.clinical.responses._common import DATES_OUT_OF_ORDER, Evidence, Measurement, ResponseResult
from remission.clinical.settings_scores import CrohnResponseSettings

SOURCE = "Best WR et al. Gastroenterology 1976;70:439-44 [@Best1976, abstract]; CR-70/CR-100 response ◐"
REMISSION = "remission"
NO_REMISSION = "no_remission"
RESPONSE = "response"
NO_RESPONSE = "no_response"
DEFAULT_SETTINGS = CrohnResponseSettings()


def cdai_remission(
    current: Measurement, *, settings: CrohnResponseSettings = DEFAULT_SETTINGS
) -> ResponseResult:
    """Clinical remission: CDAI below ``settings.remission_below`` (150)."""
    below = current.value < settings.remission_below
    decision = REMISSION if below else NO_REMISSION
    relation = "<" if below else "≥"
    reason = f"CDAI {current.value:g} {relation} {settings.remission_below:g}"
    evidence = (Evidence(current.date, current.value, "CDAI"),)
    return ResponseResult("cdai_remission", decision, evidence, reason, None, SOURCE)


def cdai_response(
    baseline: Measurement, current: Measurement, *, settings: CrohnResponseSettings = DEFAULT_SETTINGS
) -> ResponseResult:
    """Clinical response: CDAI fall from baseline of at least ``settings.response_fall`` (70 or 100)."""
    if current.date <= baseline.date:
        raise ValueError(
            DATES_OUT_OF_ORDER.format(what="CDAI response", later=current.date, earlier=baseline.date)
        )
    fall = round(baseline.value - current.value, 6)
    decision = RESPONSE if fall >= settings.response_fall else NO_RESPONSE
    relation = "≥" if decision == RESPONSE else "<"
    reason = (
        f"CDAI fell {fall:g} points ({relation} {settings.response_fall:g}): CR-{settings.response_fall:g}"
    )
    evidence = (
        Evidence(baseline.date, baseline.value, "baseline CDAI"),
        Evidence(current.date, current.value, "follow-up CDAI"),
        Evidence(current.date, fall, "CDAI fall"),
    )
    return ResponseResult(
        f"cdai_response_{settings.response_fall:g}", decision, evidence, reason, None, SOURCE
    )
