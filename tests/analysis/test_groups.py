"""One rule for the groups compared (issue 22, item 3): at least 10 patients, at most the 6 largest."""

from __future__ import annotations

import pandas as pd

from remission.analysis.groups import MAX_GROUPS, MIN_GROUP_SIZE, compared_groups

SIZES = {"a": 40, "b": 35, "c": 30, "d": 25, "e": 20, "f": 15, "g": 12, "h": 9, "i": 1}


def _frame() -> pd.DataFrame:
    values = [label for label, n in SIZES.items() for _ in range(n)] + [None, None]
    return pd.DataFrame({"disease": values})


def test_the_largest_groups_of_at_least_ten_are_shown() -> None:
    assert (MIN_GROUP_SIZE, MAX_GROUPS) == (10, 6)
    groups = compared_groups(_frame(), "disease")
    assert groups.shown == (("a", 40), ("b", 35), ("c", 30), ("d", 25), ("e", 20), ("f", 15))
    assert groups.left_out == (("g", 12), ("h", 9), ("i", 1))
    assert groups.missing == 2


def test_restrict_and_masked_keep_the_shown_groups_only() -> None:
    frame = _frame()
    groups = compared_groups(frame, "disease")
    assert len(groups.restrict(frame)) == 40 + 35 + 30 + 25 + 20 + 15
    masked = groups.masked(frame)
    assert len(masked) == len(frame)  # everyone stays for the overall columns
    assert masked["disease"].notna().sum() == 165


def test_categorical_and_boolean_columns_keep_their_values() -> None:
    frame = pd.DataFrame(
        {
            "era": pd.Categorical(["2010–2019"] * 12 + ["≥2020"] * 3, categories=["2010–2019", "≥2020"]),
            "experienced": pd.array([True] * 11 + [False] * 4, dtype="boolean"),
        }
    )
    assert compared_groups(frame, "era").labels == ("2010–2019",)
    assert compared_groups(frame, "experienced").labels == ("True",)
    assert compared_groups(frame, "era").masked(frame)["era"].dtype == frame["era"].dtype
