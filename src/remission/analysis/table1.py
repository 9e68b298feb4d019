"""Table 1: baseline characteristics, overall and by group, with tests between the groups.

Cells are formatted as a paper prints them: categorical levels as ``n (%)`` (percent of the non-missing
values in that column, one decimal), continuous variables as ``median (Q1–Q3)`` (quartiles by linear
interpolation, as R ``quantile`` type 7), and a ``missing`` row per variable with any missing value.

Tests (two-sided; p-value on the variable's first row):

- categorical: Fisher's exact test for a 2 × 2 table with an expected count below 5; otherwise Pearson's
  chi-square without continuity correction (R ``chisq.test(correct = FALSE)``); the ``test`` column says
  "chi-square (expected < 5)" when that approximation is poor;
- continuous: Wilcoxon rank-sum (Mann-Whitney U; R ``wilcox.test``: exact without ties in small samples,
  else normal approximation with continuity correction) for two groups, Kruskal-Wallis for more.

Missing values are left out of percentages and tests.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

CONTINUOUS: tuple[str, ...] = ("age", "centre_experience")
CATEGORICAL: tuple[str, ...] = ("sex", "disease", "era", "intensity", "product_type", "experienced")
OVERALL = "overall"


def _median_iqr(values: pd.Series) -> str:
    v = values.dropna().astype("float64")
    if v.empty:
        return ""
    q1, med, q3 = np.percentile(v.to_numpy(), [25, 50, 75])
    return f"{med:.1f} ({q1:.1f}–{q3:.1f})"


def _count_pct(count: int, total: int) -> str:
    return f"{count} ({100 * count / total:.1f} %)" if total else f"{count}"


def _categorical_test(table: np.ndarray) -> tuple[str, float]:
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        return "", float("nan")
    expected = stats.contingency.expected_freq(table)
    small = bool((expected < 5).any())
    if table.shape == (2, 2) and small:
        return "Fisher", float(stats.fisher_exact(table).pvalue)
    chi2 = stats.chi2_contingency(table, correction=False)
    return ("chi-square (expected < 5)" if small else "chi-square"), float(chi2.pvalue)


def _continuous_test(groups: list[np.ndarray]) -> tuple[str, float]:
    groups = [g for g in groups if g.size > 0]
    if len(groups) < 2:
        return "", float("nan")
    if len(groups) == 2:
        return "Wilcoxon rank-sum", float(
            stats.mannwhitneyu(groups[0], groups[1], alternative="two-sided").pvalue
        )
    return "Kruskal-Wallis", float(stats.kruskal(*groups).pvalue)


def table1(
    frame: pd.DataFrame,
    *,
    by: str | None = None,
    continuous: Sequence[str] = CONTINUOUS,
    categorical: Sequence[str] = CATEGORICAL,
    tests: bool = True,
) -> pd.DataFrame:
    """Table 1 of ``frame``: columns ``variable``, ``level``, ``overall``, one per group of ``by`` (rows
    with ``by`` missing count in ``overall`` only), ``test`` and ``p_value``."""
    if by is not None:
        grouped = frame.dropna(subset=[by]).groupby(by, observed=True, sort=True)
        parts: list[tuple[str, pd.DataFrame]] = [(str(k), g) for k, g in grouped]
    else:
        parts = []
    columns = [(OVERALL, frame), *parts]
    names = [name for name, _ in columns]
    rows: list[dict[str, object]] = [
        {
            "variable": "n",
            "level": "",
            **{name: str(len(part)) for name, part in columns},
            "test": "",
            "p_value": np.nan,
        }
    ]

    for variable in continuous:
        test, p = (
            _continuous_test([part[variable].dropna().to_numpy(dtype=np.float64) for _, part in parts])
            if tests and parts
            else ("", float("nan"))
        )
        rows.append(
            {
                "variable": variable,
                "level": "median (IQR)",
                **{name: _median_iqr(part[variable]) for name, part in columns},
                "test": test,
                "p_value": p,
            }
        )
        rows += _missing_row(variable, columns)

    for variable in categorical:
        column = frame[variable]
        levels = (
            list(column.cat.categories)
            if isinstance(column.dtype, pd.CategoricalDtype)
            else sorted(column.dropna().unique(), key=str)
        )
        levels = [level for level in levels if (column == level).any()]
        test, p = "", float("nan")
        if tests and parts:
            counts = np.array(
                [[int((part[variable] == level).sum()) for level in levels] for _, part in parts]
            )
            test, p = _categorical_test(counts)
        for i, level in enumerate(levels):
            cells = {}
            for name, part in columns:
                present = part[variable].dropna()
                cells[name] = _count_pct(int((present == level).sum()), len(present))
            rows.append(
                {
                    "variable": variable,
                    "level": str(level),
                    **cells,
                    "test": test if i == 0 else "",
                    "p_value": p if i == 0 else np.nan,
                }
            )
        rows += _missing_row(variable, columns)
    return pd.DataFrame(rows, columns=["variable", "level", *names, "test", "p_value"])


def _missing_row(variable: str, columns: list[tuple[str, pd.DataFrame]]) -> list[dict[str, object]]:
    counts = {name: int(part[variable].isna().sum()) for name, part in columns}
    if not any(counts.values()):
        return []
    return [
        {
            "variable": variable,
            "level": "missing",
            **{k: str(v) for k, v in counts.items()},
            "test": "",
            "p_value": np.nan,
        }
    ]
