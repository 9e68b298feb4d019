"""DORIS remission: clinical SLEDAI-2K 0, PGA < 0.5, prednisone ≤ 5 mg/day."""

from __future__ import annotations

import datetime as dt

import pytest

from remission.clinical.responses import SleAssessment, doris_remission
from remission.clinical.responses.doris import NO_REMISSION, REMISSION
from remission.clinical.scores import OUT_OF_RANGE, ScoreInputError
from remission.clinical.scores.sledai2k_gladman2002 import WEIGHTS

D1, D2 = dt.date(2023, 1, 10), dt.date(2023, 4, 10)
QUIET = dict.fromkeys(WEIGHTS, False)


def assess(
    items: dict | None = None, pga: float | None = 0.2, pred: float | None = 5.0, on=D2
) -> SleAssessment:
    return SleAssessment(on, QUIET | (items or {}), pga, pred)


def test_remission_ignores_serology() -> None:
    # low complement and anti-dsDNA present: clinical SLEDAI-2K is still 0
    result = doris_remission([assess({"low_complement": True, "increased_dna_binding": True})])
    assert result.decision == REMISSION
    assert [(e.what, e.value) for e in result.evidence] == [
        ("clinical SLEDAI-2K", 0),
        ("physician global assessment (0–3)", 0.2),
        ("prednisone mg/day", 5.0),
    ]


@pytest.mark.parametrize(("pga", "decision"), [(0.4, REMISSION), (0.5, NO_REMISSION)])
def test_pga_boundary(pga: float, decision: str) -> None:
    assert doris_remission([assess(pga=pga)]).decision == decision


@pytest.mark.parametrize(("pred", "decision"), [(5.0, REMISSION), (5.5, NO_REMISSION)])
def test_prednisone_boundary(pred: float, decision: str) -> None:
    assert doris_remission([assess(pred=pred)]).decision == decision


def test_clinical_activity() -> None:
    result = doris_remission([assess({"rash": True})])
    assert result.decision == NO_REMISSION
    assert "clinical SLEDAI-2K 2" in result.reason


def test_missing_inputs() -> None:
    result = doris_remission([assess(pga=None)])
    assert result.decision == "not_computable"
    assert "physician global assessment" in result.reason
    items = dict(QUIET)
    del items["arthritis"]
    result = doris_remission([SleAssessment(D2, items, 0.2, 5.0)])
    assert result.decision == "not_computable"
    assert "SLEDAI-2K arthritis" in result.reason


def test_failure_beats_missing() -> None:
    assert doris_remission([assess(pga=None, pred=20)]).decision == NO_REMISSION


def test_evaluated_at_a_date() -> None:
    series = [assess({"arthritis": True}, on=D1), assess(on=D2)]
    assert doris_remission(series).decision == REMISSION
    assert doris_remission(series, at=D1).decision == NO_REMISSION
    with pytest.raises(ValueError, match="no SLE assessment"):
        doris_remission(series, at=dt.date(2022, 1, 1))


def test_pga_range() -> None:
    with pytest.raises(ScoreInputError) as caught:
        assess(pga=3.5)
    assert str(caught.value) == OUT_OF_RANGE.format(item="pga", value=3.5, low=0, high=3)
