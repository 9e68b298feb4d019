"""Shared fixture: evaluate one rule set on a candidate and combine its criteria into a verdict."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from remission.clinical.eligibility.core import RuleSet, combine, validate_candidate

Evaluate = Callable[[RuleSet, Mapping[str, Any]], tuple[dict[str, str], str]]


def _evaluate(ruleset: RuleSet, candidate: Mapping[str, Any]) -> tuple[dict[str, str], str]:
    values = validate_candidate(candidate)
    results = tuple(c.evaluate(values) for c in ruleset.criteria)
    verdict, _ = combine(results)
    return {r.code: r.status for r in results}, verdict


@pytest.fixture
def evaluate() -> Evaluate:
    return _evaluate
