"""Tests, curves and tables compare the same groups (issue 22, item 3).

The cohort has two diseases of 80 patients each and three of 1, 3 and 4 patients: the small ones are
neither drawn nor tested nor given a Table 1 column. The counts are the test's own.
"""

from __future__ import annotations

import pandas as pd

from remission.analysis import AnalysisSet
from remission.analysis.results import compute_outcomes
from tests.reports.conftest import CUTOFF, cohort_frame

SMALL = {"aic": 1, "nmo": 3, "jia": 4}


def _cohort_with_small_groups() -> pd.DataFrame:
    frame = cohort_frame(n=168, seed=11)
    disease = ["ssc"] * 80 + ["ms"] * 80 + [d for d, n in SMALL.items() for _ in range(n)]
    return frame.assign(disease=disease)


def test_log_rank_df_is_the_number_of_curves_minus_one() -> None:
    frame = _cohort_with_small_groups()
    results = compute_outcomes(AnalysisSet(frame, pd.DataFrame(), (), CUTOFF), by="disease")
    drawn = len(results.fits.os_by)
    assert drawn == 2
    tests = results.outcomes.tests
    overall = tests[tests["stratum"] == "all"]
    assert set(overall["df"]) == {drawn - 1}
    estimated = set(results.outcomes.estimates.query("stratum == 'all'")["group"]) - {"all"}
    assert estimated == {"ssc", "ms"}
    table1_columns = set(results.table1.columns) - {"variable", "level", "overall", "test", "p_value"}
    assert table1_columns == {"ssc", "ms"}
    n_row = results.table1[results.table1["variable"] == "n"].iloc[0]
    assert n_row["overall"] == str(168)  # everyone stays in the overall column
    assert results.groups is not None and dict(results.groups.left_out) == SMALL
