"""MS: the rule set after [@Sharrack2020] and MIST [@Burt2019]; thresholds are settings."""

from __future__ import annotations

from typing import Any

import pytest

from remission.clinical.eligibility import MsSettings, screen
from remission.clinical.eligibility.ms_sharrack2020 import ms_sharrack2020

BASE: dict[str, Any] = {
    "age_years": 35,
    "ms_course": "rrms",
    "relapses_12m": 2,
    "mri_activity_12m": False,
    "dmt_failed_count": 1,
    "edss": 3.5,
    "disease_duration_years": 5,
}
RULES = ms_sharrack2020()

CASES = [
    # PPMS in a young, active candidate meets the progressive-MS exception → MDT review
    ("relapsing_course", "ms_course", "rrms", "ppms", "mdt_review"),
    ("inflammatory_activity", "dmt_failed_count", 1, 0, "not_eligible"),  # ≥ 1 full DMT course
    ("inflammatory_activity", "relapses_12m", 2, 1, "not_eligible"),  # ≥ 2 relapses (or 1 + MRI)
    ("edss_max", "edss", 6.5, 7.0, "not_eligible"),  # hard ceiling 6.5
    ("edss_usual", "edss", 5.5, 6.0, "mdt_review"),  # usual ceiling 5.5
    ("ms_age_max", "age_years", 55, 55.5, "not_eligible"),
    ("ms_age_optimal", "age_years", 44.9, 45, "mdt_review"),  # < 45 optimal
    ("ms_duration", "disease_duration_years", 9.9, 10, "mdt_review"),  # < 10 years
]


def test_base_is_eligible(evaluate) -> None:
    assert evaluate(RULES, BASE)[1] == "eligible"


@pytest.mark.parametrize(("code", "field", "good", "bad", "verdict"), CASES)
def test_each_side_of_threshold(evaluate, code: str, field: str, good: Any, bad: Any, verdict: str) -> None:
    assert evaluate(RULES, {**BASE, field: good})[0][code] == "met"
    statuses, result = evaluate(RULES, {**BASE, field: bad})
    assert statuses[code] == "failed"
    assert result == verdict


@pytest.mark.parametrize(("code", "field"), [(c[0], c[1]) for c in CASES])
def test_missing_value(evaluate, code: str, field: str) -> None:
    statuses, verdict = evaluate(RULES, {k: v for k, v in BASE.items() if k != field})
    assert statuses[code] == "missing"
    assert verdict == "insufficient_data"


def test_one_relapse_with_mri_activity_counts(evaluate) -> None:
    statuses, _ = evaluate(RULES, {**BASE, "relapses_12m": 1, "mri_activity_12m": True})
    assert statuses["inflammatory_activity"] == "met"


def test_active_progressive_ms_goes_to_mdt(evaluate) -> None:
    # Progressive MS only with activity in 12 months, age < 45, duration < 10 y, EDSS < 6.0
    spms = {**BASE, "ms_course": "spms", "relapses_12m": 2, "edss": 5.5, "age_years": 40}
    statuses, verdict = evaluate(RULES, spms)
    assert statuses["relapsing_course"] == "failed"
    assert verdict == "mdt_review"
    assert evaluate(RULES, {**spms, "edss": 6.0})[1] == "not_eligible"


def test_edss_ceiling_is_a_setting(evaluate) -> None:
    relaxed = ms_sharrack2020(MsSettings(edss_review_max=6.5))
    assert evaluate(relaxed, {**BASE, "edss": 6.0})[1] == "eligible"
    result = screen(
        {**BASE, "edss": 6.0}, disease="ms", settings={"ms_sharrack2020": {"edss_review_max": 6.5}}
    )
    assert result.criterion("edss_usual").status == "met"
