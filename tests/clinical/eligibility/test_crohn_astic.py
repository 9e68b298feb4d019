"""Crohn's disease: ASTIC criteria [@Hawkey2015, abstract]."""

from __future__ import annotations

from typing import Any

import pytest

from remission.clinical.eligibility.crohn_astic import crohn_astic

BASE: dict[str, Any] = {
    "age_years": 30,
    "immunosuppressants_failed_count": 3,
    "corticosteroids_failed": True,
    "amenable_to_surgery": False,
    "cdai": 300,
}
RULES = crohn_astic()

CASES = [
    ("astic_age", "age_years", 50, 50.5, "not_eligible"),  # 18–50
    ("astic_age", "age_years", 18, 17.5, "not_eligible"),
    ("refractory_agents", "immunosuppressants_failed_count", 3, 2, "not_eligible"),  # ≥ 3 agents
    ("refractory_steroids", "corticosteroids_failed", True, False, "not_eligible"),
    ("amenable_to_surgery", "amenable_to_surgery", False, True, "not_eligible"),
    ("cdai", "cdai", 250, 249, "not_eligible"),  # screening excluded CDAI < 250
]


def test_base_is_eligible(evaluate) -> None:
    assert evaluate(RULES, BASE)[1] == "eligible"


@pytest.mark.parametrize(("code", "field", "good", "bad", "verdict"), CASES)
def test_each_side_of_threshold(evaluate, code: str, field: str, good: Any, bad: Any, verdict: str) -> None:
    assert evaluate(RULES, {**BASE, field: good})[0][code] == "met"
    statuses, result = evaluate(RULES, {**BASE, field: bad})
    assert statuses[code] == "failed"
    assert result == verdict


@pytest.mark.parametrize(("code", "field"), sorted({(c[0], c[1]) for c in CASES}))
def test_missing_value(evaluate, code: str, field: str) -> None:
    statuses, verdict = evaluate(RULES, {k: v for k, v in BASE.items() if k != field})
    assert statuses[code] == "missing"
    assert verdict == "insufficient_data"
