"""Table 1 on a data set small enough to check by hand (the expected cells are worked out below)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from remission.analysis.table1 import _categorical_test, _continuous_test, table1


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": ["A", "A", "A", "A", "B", "B", "B", "B"],
            "age": [20.0, 30.0, 40.0, 50.0, 25.0, 35.0, None, 65.0],
            "sex": ["female", "female", "female", "male", "male", "male", "male", "female"],
        }
    )


def cell(table: pd.DataFrame, variable: str, level: str, column: str) -> object:
    return table.loc[(table["variable"] == variable) & (table["level"] == level), column].item()


def test_cells(frame: pd.DataFrame) -> None:
    t = table1(frame, by="group", continuous=["age"], categorical=["sex"])
    assert list(t.columns) == ["variable", "level", "overall", "A", "B", "test", "p_value"]
    assert (cell(t, "n", "", "overall"), cell(t, "n", "", "A"), cell(t, "n", "", "B")) == ("8", "4", "4")
    # A: 20 30 40 50 → median 35, Q1 = 20 + 0.75·10 = 27.5, Q3 = 40 + 0.25·10 = 42.5 (type 7)
    assert cell(t, "age", "median (IQR)", "A") == "35.0 (27.5–42.5)"
    # B: 25 35 65 → median 35, Q1 30, Q3 50
    assert cell(t, "age", "median (IQR)", "B") == "35.0 (30.0–50.0)"
    # all 7 known: 20 25 30 35 40 50 65 → median 35, Q1 = 25 + 0.5·5 = 27.5, Q3 = 40 + 0.5·10 = 45
    assert cell(t, "age", "median (IQR)", "overall") == "35.0 (27.5–45.0)"
    assert (
        cell(t, "age", "missing", "overall"),
        cell(t, "age", "missing", "A"),
        cell(t, "age", "missing", "B"),
    ) == (
        "1",
        "0",
        "1",
    )
    assert cell(t, "sex", "female", "A") == "3 (75.0 %)"
    assert cell(t, "sex", "male", "B") == "3 (75.0 %)"
    assert cell(t, "sex", "female", "overall") == "4 (50.0 %)"
    assert not (t["variable"].eq("sex") & t["level"].eq("missing")).any()


def test_tests(frame: pd.DataFrame) -> None:
    t = table1(frame, by="group", continuous=["age"], categorical=["sex"])
    # sex: [[3, 1], [1, 3]], expected 2 < 5 → Fisher; hypergeometric(8, 4, 4) probabilities
    # 1, 16, 36, 16, 1 (/70); two-sided p = (1 + 16 + 16 + 1)/70
    assert cell(t, "sex", "female", "test") == "Fisher"
    assert cell(t, "sex", "female", "p_value") == pytest.approx(34 / 70)
    # age: U(A) = 0 + 1 + 2 + 2 = 5 of 12; exact null counts of U for sizes 4 and 3:
    # 1 1 2 3 4 4 5 4 4 3 2 1 1 (/35); p = 2 P(U ≤ 5) = 2 · 15/35
    assert cell(t, "age", "median (IQR)", "test") == "Wilcoxon rank-sum"
    assert cell(t, "age", "median (IQR)", "p_value") == pytest.approx(30 / 35)


def test_without_groups_there_are_no_tests(frame: pd.DataFrame) -> None:
    t = table1(frame, continuous=["age"], categorical=["sex"])
    assert list(t.columns) == ["variable", "level", "overall", "test", "p_value"]
    assert t["p_value"].isna().all()


def test_chi_square_when_expected_counts_are_large() -> None:
    # [[20, 10], [10, 20]]: every expected count 15; X² = 4 · 5²/15 = 6.6667 on 1 df
    test, p = _categorical_test(np.array([[20, 10], [10, 20]]))
    assert test == "chi-square"
    from scipy.stats import chi2

    assert p == pytest.approx(chi2.sf(20 / 3, 1))


def test_kruskal_wallis_for_three_groups() -> None:
    # ranks 1..6 in pairs: H = 12/(6·7) · (3² + 7² + 11²)/2 − 3·7 = 4.5714 on 2 df; p = exp(−H/2)
    test, p = _continuous_test([np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([5.0, 6.0])])
    assert test == "Kruskal-Wallis"
    assert p == pytest.approx(np.exp(-(12 / 42 * 179 / 2 - 21) / 2))
