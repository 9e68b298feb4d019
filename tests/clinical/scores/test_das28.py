"""DAS28-ESR [@Prevoo1995] and DAS28-CRP [@Prince2012, Table 1], categories and the disputed CRP cut-offs."""

from __future__ import annotations

import pytest

from remission.clinical.scores import OUT_OF_RANGE, ScoreInputError, das28_category, das28_crp, das28_esr
from remission.clinical.settings_scores import DAS28_BANDS, DAS28_CRP_BANDS_INOUE2007, Das28Settings

TOL = 1e-6  # hand calculation carried to 6 decimals


def test_das28_esr_worked_example() -> None:
    # TJC 4, SJC 2, ESR 30, GH 50
    # 0.56·√4 = 1.12; 0.28·√2 = 0.28 × 1.414214 = 0.395980; 0.70·ln 30 = 0.70 × 3.401197 = 2.380838;
    # 0.014 × 50 = 0.70  → 4.596818 → reported 4.60: moderate
    result = das28_esr(4, 2, 30, 50)
    assert result.value == pytest.approx(4.596818, abs=TOL)
    assert result.components["esr"] == pytest.approx(2.380838, abs=TOL)
    assert result.category == "moderate"


def test_das28_crp_worked_example() -> None:
    # TJC 4, SJC 2, CRP 10 mg/L, GH 50
    # 1.12 + 0.395980 + 0.36·ln 11 (= 0.36 × 2.397895 = 0.863242) + 0.70 + 0.96 = 4.039222
    result = das28_crp(4, 2, 10, 50)
    assert result.value == pytest.approx(4.039222, abs=TOL)
    assert result.components["constant"] == 0.96
    assert result.category == "moderate"


def test_das28_esr_high_and_remission() -> None:
    # TJC 20, SJC 15, ESR 60, GH 80: 0.56 × 4.472136 = 2.504396; 0.28 × 3.872983 = 1.084435;
    # 0.70 × 4.094345 = 2.866041; 1.12 → 7.574872: high
    assert das28_esr(20, 15, 60, 80).value == pytest.approx(7.574872, abs=TOL)
    assert das28_esr(20, 15, 60, 80).category == "high"
    # TJC 0, SJC 0, ESR 1 (ln 1 = 0), GH 0 → 0: remission
    assert das28_esr(0, 0, 1, 0).value == 0
    assert das28_esr(0, 0, 1, 0).category == "remission"


@pytest.mark.parametrize(
    ("value", "category"),
    [
        (2.59, "remission"),
        (2.60, "low"),
        (3.20, "low"),
        (3.21, "moderate"),
        (5.10, "moderate"),
        (5.11, "high"),
        (2.5949, "remission"),  # reported as 2.59
        (3.2049, "low"),  # reported as 3.20
    ],
)
def test_category_boundaries(value: float, category: str) -> None:
    assert das28_category(value, DAS28_BANDS) == category


@pytest.mark.parametrize(
    ("value", "category"),
    [
        (2.29, "remission"),
        (2.30, "low"),
        (2.70, "low"),
        (2.71, "moderate"),
        (4.10, "moderate"),
        (4.11, "high"),
    ],
)
def test_crp_inoue_cutoffs(value: float, category: str) -> None:
    # [@Inoue2007, abstract]: DAS28-CRP "remission, low disease activity and high disease activity were 2.3,
    # 2.7 and 4.1"; inequalities as for DAS28-ESR (◐)
    assert das28_category(value, DAS28_CRP_BANDS_INOUE2007) == category


def test_crp_cutoffs_are_a_setting() -> None:
    # TJC 2, SJC 1, CRP 5, GH 30: 0.56·√2 = 0.791960; 0.28; 0.36·ln 6 = 0.645033; 0.42; 0.96 → 3.096993
    # → 3.10: low by default (≤ 3.2), moderate on the Inoue 2007 cut-offs (> 2.7)
    assert das28_crp(2, 1, 5, 30).value == pytest.approx(3.096993, abs=TOL)
    assert das28_crp(2, 1, 5, 30).category == "low"
    alternative = Das28Settings(crp_bands=DAS28_CRP_BANDS_INOUE2007)
    assert das28_crp(2, 1, 5, 30, settings=alternative).category == "moderate"


def test_missing() -> None:
    result = das28_esr(4, None, None, 50)
    assert result.value is None and result.category is None
    assert result.missing == ("sjc28", "esr")
    assert das28_crp(None, 2, 10, None).missing == ("tjc28", "gh")


@pytest.mark.parametrize(
    ("args", "item", "value", "low", "high"),
    [
        ((29, 0, 10, 0), "tjc28", 29, 0, 28),
        ((0, -1, 10, 0), "sjc28", -1, 0, 28),
        ((0, 0, 0, 0), "esr", 0, 1, 200),
        ((0, 0, 10, 101), "gh", 101, 0, 100),
    ],
)
def test_out_of_range_esr(args: tuple, item: str, value: float, low: float, high: float) -> None:
    with pytest.raises(ScoreInputError) as caught:
        das28_esr(*args)
    assert str(caught.value) == OUT_OF_RANGE.format(item=item, value=value, low=low, high=high)


def test_out_of_range_crp() -> None:
    with pytest.raises(ScoreInputError) as caught:
        das28_crp(0, 0, -1, 0)
    assert str(caught.value) == OUT_OF_RANGE.format(item="crp", value=-1, low=0, high=500)
