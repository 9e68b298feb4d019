"""Federated Table 1 against pandas and numpy on the pooled frame.

The same three synthetic registries as the nonparametric tests (300 / 500 / 800 rows, different case
mixes, missing values, a rare disease with 3 and 7 rows at two nodes). Expected values come from pandas
and numpy on the concatenated frames, never from the federated code.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from remission.federated.privacy import EXACT, Privacy
from remission.federated.protocol import local_send
from remission.federated.table_one import (
    EXACT_TO_RESOLUTION,
    HIGH,
    LOW,
    NODE_PARTS,
    UNDETERMINED,
    FederatedTableOne,
    federated_table_one,
    node_count_at_most,
    node_summary,
)
from tests.federated.test_nonparametric import make_frames

TOL = 1e-9
CATEGORICAL = ("sex", "disease", "experienced", "centre")
NUMERIC = ("age", "os_days", "era")
FIVE = Privacy(min_cell=5)


@pytest.fixture(scope="module")
def frames() -> list[pd.DataFrame]:
    return make_frames()


@pytest.fixture(scope="module")
def pooled(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def exact_table(frames: list[pd.DataFrame]) -> FederatedTableOne:
    send = local_send(frames, NODE_PARTS, EXACT)
    return federated_table_one(send, variables=[*CATEGORICAL, *NUMERIC], group="disease")


def columns_of(pooled: pd.DataFrame, group: str | None) -> Iterator[tuple[object, pd.DataFrame]]:
    """(column label, pooled rows): overall, then each level of ``group`` (rows with it missing: overall
    only)."""
    yield None, pooled
    if group is not None:
        yield from pooled.dropna(subset=[group]).groupby(group)


def test_categorical_counts_equal_pandas(exact_table: FederatedTableOne, pooled: pd.DataFrame) -> None:
    table = exact_table
    for column, rows in columns_of(pooled, "disease"):
        got_n = next(c.n for c in table.columns if c.level == column)
        assert got_n == len(rows)
        for variable in CATEGORICAL:
            expected = {str(k): int(v) for k, v in rows[variable].value_counts().items()}
            got = {
                str(r.level): r for r in table.categorical if r.variable == variable and r.column == column
            }
            missing = got.pop("None", None)
            assert {k: r.count for k, r in got.items()} == expected, (variable, column)
            assert (missing.count if missing else 0) == int(rows[variable].isna().sum())
            non_missing = int(rows[variable].notna().sum())
            for level, r in got.items():
                assert r.exact and r.lower == r.count == r.upper
                # rel/abs tolerance 1e-9
                assert r.percent == pytest.approx(100.0 * expected[level] / non_missing, rel=TOL, abs=TOL)


def test_numeric_summaries_equal_pandas(exact_table: FederatedTableOne, pooled: pd.DataFrame) -> None:
    worst = 0.0
    for column, rows in columns_of(pooled, "disease"):
        for variable in NUMERIC:
            got = exact_table.summary(variable, column)
            values = rows[variable].astype("float64")
            assert got.n == int(values.count()) and got.missing == int(values.isna().sum())
            assert got.withheld_nodes == 0 and got.missing_withheld_nodes == 0
            assert got.mean == pytest.approx(values.mean(), rel=TOL, abs=TOL)  # rel/abs tolerance 1e-9
            assert got.sd == pytest.approx(values.std(), rel=TOL, abs=TOL)  # rel/abs tolerance 1e-9
            worst = max(worst, abs(got.mean - values.mean()), abs(got.sd - values.std()))
    print(f"Table 1 mean/SD: max abs difference federated - pandas {worst:.3g}")


def test_median_within_resolution(exact_table: FederatedTableOne, pooled: pd.DataFrame) -> None:
    resolution = exact_table.resolution
    worst = 0.0
    rounds = []
    for column, rows in columns_of(pooled, "disease"):
        for variable in NUMERIC:
            got = exact_table.summary(variable, column)
            expected = float(np.median(rows[variable].dropna().to_numpy(np.float64)))
            assert got.median_status == EXACT_TO_RESOLUTION
            assert got.median is not None and got.median_lower is not None and got.median_upper is not None
            assert got.median_upper - got.median_lower <= resolution + 1e-12
            assert got.median_lower < expected <= got.median_upper + 1e-12
            assert abs(got.median - expected) <= resolution / 2 + 1e-12  # within the stated resolution
            worst = max(worst, abs(got.median - expected))
            rounds.append(got.median_rounds)
    print(
        f"Table 1 medians (resolution {resolution}): max abs difference from numpy {worst:.3g}; "
        f"rounds per median {min(rounds)}-{max(rounds)}, table rounds in all {exact_table.rounds}, "
        f"bytes {exact_table.bytes_received}"
    )
    assert exact_table.rounds == 1 + max(rounds)


def test_coarser_resolution_takes_fewer_rounds(frames: list[pd.DataFrame], pooled: pd.DataFrame) -> None:
    send = local_send(frames, NODE_PARTS, EXACT)
    table = federated_table_one(send, variables=["os_days"], resolution=1.0)
    got = table.summary("os_days")
    expected = float(np.median(pooled["os_days"].dropna()))
    assert got.median is not None and abs(got.median - expected) <= 0.5 + 1e-12
    fine = federated_table_one(send, variables=["os_days"], resolution=0.001)
    assert fine.summary("os_days").median_rounds > got.median_rounds
    assert abs(fine.summary("os_days").median - expected) <= 0.0005 + 1e-12  # type: ignore[operator]


def test_the_comparison_can_fail(frames: list[pd.DataFrame], pooled: pd.DataFrame) -> None:
    """Two nodes instead of three: no longer the pooled answer (the checks bite)."""
    table = federated_table_one(local_send(frames[:2], NODE_PARTS, EXACT), variables=["age"])
    with pytest.raises(AssertionError):
        assert table.summary("age").mean == pytest.approx(pooled["age"].mean(), rel=TOL, abs=TOL)


# ---------------------------------------------------------------------------------------------------------
# the node's privacy rules


def test_replies_hold_no_small_cell(frames: list[pd.DataFrame]) -> None:
    for frame in frames:
        reply = node_summary(frame, FIVE, variables=[*CATEGORICAL, *NUMERIC], group="disease")
        rare = int((frame["disease"] == "nmosd").sum())
        levels = [c["level"] for c in reply["columns"]]
        assert ("nmosd" in reply["suppressed"]) == (0 < rare < 5) and ("nmosd" in levels) == (rare >= 5)
        assert all(c["n"] >= 5 for c in reply["columns"])
        for summary in reply["summaries"]:
            for cell in summary["cells"]:
                if summary["kind"] == "numeric":
                    assert set(cell) == {"n", "missing", "mean", "m2"}  # no minimum, maximum or value
                    counts = [cell["n"], cell["missing"]]
                    assert (cell["mean"] is None) == (cell["n"] in (None, 0))
                else:
                    counts = [c for _, c in cell["counts"]] + [cell["missing"]]
                    assert sum(c is None for c in counts) != 1, "a lone withheld cell is complemented"
                assert all(c is None or c == 0 or c >= 5 for c in counts), summary["variable"]


def test_default_rules_bounds_hold_the_pooled_truth(frames: list[pd.DataFrame], pooled: pd.DataFrame) -> None:
    send = local_send(frames, NODE_PARTS, FIVE)
    table = federated_table_one(send, variables=[*CATEGORICAL, *NUMERIC], group="disease")
    withheld = [r for r in table.categorical if not r.exact]
    assert withheld, "the rare disease (3 rows at one node) is withheld there"
    for r in table.categorical:
        # a group column holds the rows of the nodes that reported it (>= 5 rows of that level there)
        rows = (
            pooled
            if r.column is None
            else pd.concat(
                [f[f["disease"] == r.column] for f in frames if (f["disease"] == r.column).sum() >= 5]
            )
        )
        truth = (
            int(rows[r.variable].isna().sum())
            if r.level is None
            else int((rows[r.variable] == r.level).sum())
        )
        assert r.lower <= truth <= r.upper, r
        if r.exact:
            assert r.lower == r.count == r.upper == truth
    rare = table.count("disease", "nmosd")
    assert rare.withheld_nodes == 1 and rare.display() == f">= {rare.lower}" and rare.percent is None
    nmosd = next(c for c in table.columns if c.level == "nmosd")
    assert nmosd.suppressed_nodes == 1 and nmosd.n == 7  # the node with 3 rows is left out of the column
    # 7 values at one node: no count of values <= m can have 5 on each side, so no median is given
    assert table.summary("age", "nmosd").median_status == UNDETERMINED
    assert table.summary("age", "nmosd").median is None and table.summary("age", "nmosd").median_rounds == 0
    for level in ("crohn", "ms", "sle", "ssc"):  # big columns: the numpy median to the resolution
        got = table.summary("os_days", level)
        expected = float(np.median(pooled.loc[pooled["disease"] == level, "os_days"].dropna()))
        assert got.median is not None and abs(got.median - expected) <= table.resolution / 2 + 1e-12
    # the overall medians need no small count: still the pooled numpy median to the resolution
    for variable in NUMERIC:
        got = table.summary(variable)
        expected = float(np.median(pooled[variable].dropna().to_numpy(np.float64)))
        assert got.median is not None and abs(got.median - expected) <= table.resolution / 2 + 1e-12
        assert got.mean == pytest.approx(pooled[variable].mean(), rel=TOL, abs=TOL)  # rel/abs tolerance 1e-9
    print(
        f"min_cell 5: {len(withheld)} level counts shown as bounds, e.g. disease nmosd {rare.display()} "
        f"(in [{rare.lower}, {rare.upper}], pooled truth {(pooled['disease'] == 'nmosd').sum()})"
    )
    json.dumps(table.to_dict(), allow_nan=False)
    assert not table.to_frame().empty


def test_count_at_most_never_pins_an_extreme(frames: list[pd.DataFrame]) -> None:
    frame = frames[0]
    ages = frame["age"].dropna().to_numpy(np.float64)
    thresholds = [-1e9, float(np.sort(ages)[2]), float(np.median(ages)), float(np.sort(ages)[-3]), 1e9]
    queries = [["age", None, t] for t in thresholds]
    answered = node_count_at_most(frame, FIVE, queries=queries)["counts"]
    assert answered[0] == LOW and answered[1] == LOW and answered[-2] == HIGH and answered[-1] == HIGH
    assert answered[2] == int(np.count_nonzero(ages <= thresholds[2]))
    exact = node_count_at_most(frame, EXACT, queries=queries)["counts"]
    assert exact == [int(np.count_nonzero(ages <= t)) for t in thresholds]
    # a suppressed group level is not answered at all
    reply = node_count_at_most(frame, FIVE, queries=[["age", "nmosd", 40.0]], group="disease")
    assert reply["counts"] == [None]


def test_bad_input(frames: list[pd.DataFrame]) -> None:
    send = local_send(frames, NODE_PARTS, EXACT)
    with pytest.raises(ValueError, match=r"the analysis set has no column 'nope' \(node part 'summary'\)"):
        federated_table_one(send, variables=["age", "nope"])
    with pytest.raises(ValueError, match=r"has no column 'no_group'"):
        federated_table_one(send, variables=["age"], group="no_group")
    with pytest.raises(ValueError, match="resolution"):
        federated_table_one(send, variables=["age"], resolution=0.0)
    mixed = [frames[0].assign(age=frames[0]["age"].astype(str)), *frames[1:]]
    with pytest.raises(ValueError, match="numeric at some nodes and categorical at others"):
        federated_table_one(local_send(mixed, NODE_PARTS, EXACT), variables=["age"])


def test_node_parts_are_named() -> None:
    assert dict(NODE_PARTS) == {"summary": node_summary, "count_at_most": node_count_at_most}
