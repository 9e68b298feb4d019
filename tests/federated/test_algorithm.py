"""The vantage6 algorithm module (remission.federated.algorithm) through vantage6's own mock client.

Three in-memory analysis-set-like frames (one per organisation; different sizes, seeds and case mixes;
whole-day times with ties). Every central entry point runs through ``MockAlgorithmClient`` with exact node
rules (``REMISSION_FEDERATED_MIN_CELL=1`` in the nodes' environment), and its numbers must equal what
:mod:`remission.survival` (or pandas/NumPy for Table 1) gives on the concatenated frames, to 1e-9. The
expected values never come from the federated code.
"""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest
from vantage6.algorithm.tools.mock_client import MockAlgorithmClient

from remission.federated import algorithm
from remission.federated.node import UnknownPart
from remission.federated.privacy import GRID_VARIABLE, MIN_CELL_VARIABLE
from remission.survival import aalen_johansen, cox, fine_gray, gray_test, kaplan_meier, logrank_test

TOL = 1e-9
MODULE = "remission.federated.algorithm"
ENTRY_POINTS = {
    "partial",
    "kaplan_meier",
    "aalen_johansen",
    "logrank",
    "gray_test",
    "table_one",
    "cox",
    "fine_gray",
}


def _frame(seed: int, n: int, ms_share: float, prefix: str) -> pd.DataFrame:
    """One registry's analysis set, reduced to what the algorithms read (plus the registry ids)."""
    rng = np.random.default_rng(seed)
    age = np.round(rng.normal(40.0, 11.0, n), 1)
    male = rng.random(n) < 0.35
    disease = np.where(rng.random(n) < ms_share, "ms", np.where(rng.random(n) < 0.7, "ssc", "crohn"))
    risk = np.exp(0.03 * (age - 40.0) + 0.4 * male + 0.5 * (disease == "ssc"))
    death = rng.exponential(4000.0 / risk)
    relapse = rng.exponential(1500.0, n)
    follow = rng.uniform(100.0, 3000.0, n)
    whole_weeks = lambda t: np.ceil(t / 7.0) * 7.0  # noqa: E731 (ties on purpose)
    os_days = whole_weeks(np.minimum(death, follow))
    cr_days = whole_weeks(np.minimum.reduce([death, relapse, follow]))
    first = np.argmin(np.vstack([follow, relapse, death]), axis=0)  # 0 censored, 1 relapse, 2 death (NRM)
    frame = pd.DataFrame(
        {
            "registry_id": [f"{prefix}-{i:04d}" for i in range(n)],
            "age": age,
            "sex": np.where(male, "male", "female").astype(object),
            "disease": disease.astype(object),
            "os_days": os_days,
            "os_event": (death <= follow).astype(int),
            "cr_days": cr_days,
            "cr_cause": first.astype(int),
        }
    )
    frame.loc[rng.choice(n, 3, replace=False), "age"] = np.nan  # missing covariates: rows left out of models
    return frame


FRAMES = [_frame(7, 240, 0.6, "A"), _frame(8, 170, 0.2, "B"), _frame(9, 330, 0.45, "C")]
POOLED = pd.concat(FRAMES, ignore_index=True)


@pytest.fixture(autouse=True)
def exact_nodes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The nodes' environment: exact rules (the nodes read it; no request can)."""
    monkeypatch.setenv(MIN_CELL_VARIABLE, "1")
    monkeypatch.delenv(GRID_VARIABLE, raising=False)


@pytest.fixture
def client() -> MockAlgorithmClient:
    return MockAlgorithmClient(datasets=[[{"database": f}] for f in FRAMES], module=MODULE)


def close(a: object, b: object) -> None:
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(np.where(np.asarray(b, dtype=object) == None, np.nan, b), dtype=np.float64)  # noqa: E711
    assert x.shape == y.shape
    np.testing.assert_allclose(y, x, rtol=0, atol=TOL, equal_nan=True)


def test_kaplan_meier_equals_the_pooled_curve(client: MockAlgorithmClient) -> None:
    expected = kaplan_meier(POOLED["os_days"], POOLED["os_event"])
    (curve,) = algorithm.kaplan_meier(mock_client=client, time="os_days", event="os_event")["curves"]
    for name in ("time", "n_risk", "n_event", "n_censor", "survival", "std_err", "lower", "upper"):
        close(getattr(expected, name), curve[name])


def test_kaplan_meier_by_group_equals_the_pooled_curves(client: MockAlgorithmClient) -> None:
    result = algorithm.kaplan_meier(mock_client=client, time="os_days", event="os_event", group="disease")
    curves = {c["level"]: c for c in result["curves"]}
    assert sorted(curves) == ["crohn", "ms", "ssc"]
    for level, curve in curves.items():
        rows = POOLED[POOLED["disease"] == level]
        expected = kaplan_meier(rows["os_days"], rows["os_event"])
        close(expected.time, curve["time"])
        close(expected.survival, curve["survival"])
        close(expected.std_err, curve["std_err"])


def test_aalen_johansen_equals_the_pooled_incidence(client: MockAlgorithmClient) -> None:
    expected = aalen_johansen(POOLED["cr_days"], POOLED["cr_cause"])
    (curve,) = algorithm.aalen_johansen(mock_client=client, time="cr_days", cause="cr_cause")["curves"]
    close(expected.time, curve["time"])
    assert list(curve["causes"]) == [1, 2]
    for name in ("cumulative_incidence", "variance", "std_err", "survival"):
        close(getattr(expected, name), curve[name])


def test_logrank_equals_the_pooled_test(client: MockAlgorithmClient) -> None:
    expected = logrank_test(POOLED["os_days"], POOLED["os_event"], POOLED["sex"].to_numpy())
    result = algorithm.logrank(mock_client=client, time="os_days", event="os_event", group="sex")
    assert list(result["groups"]) == ["female", "male"]
    for name in ("statistic", "p_value", "observed", "expected", "variance"):
        close(getattr(expected, name), result[name])
    assert result["df"] == expected.df == 1


def test_gray_test_equals_the_pooled_test(client: MockAlgorithmClient) -> None:
    expected = gray_test(POOLED["cr_days"], POOLED["cr_cause"], POOLED["disease"].to_numpy())
    result = algorithm.gray_test(mock_client=client, time="cr_days", cause="cr_cause", group="disease")
    for name in ("statistic", "p_value", "score", "variance"):
        close(getattr(expected, name), result[name])


def test_table_one_counts_means_and_sds_equal_the_pooled_table(client: MockAlgorithmClient) -> None:
    result = algorithm.table_one(mock_client=client, variables=["age", "disease"], group="sex")
    counts = {(r["variable"], r["column"], r["level"]): r["count"] for r in result["categorical"]}
    for column in (None, "female", "male"):
        rows = POOLED if column is None else POOLED[POOLED["sex"] == column]
        for level, n in rows["disease"].value_counts().items():
            assert counts[("disease", column, level)] == n
        (summary,) = [s for s in result["numeric"] if s["column"] == column]
        age = rows["age"].dropna().to_numpy()
        assert summary["n"] == age.size and summary["missing"] == rows["age"].isna().sum()
        close(age.mean(), summary["mean"])
        close(age.std(ddof=1), summary["sd"])
        # the median is found by bisection to the stated resolution (not exact by design)
        assert abs(summary["median"] - np.median(age)) <= result["resolution"] / 2 + TOL


def _design(rows: pd.DataFrame) -> pd.DataFrame:
    X = rows[["age", "sex"]].copy()
    X["sex"] = pd.Categorical(X["sex"], categories=["female", "male"])
    return X


def test_cox_equals_the_pooled_fit(client: MockAlgorithmClient) -> None:
    rows = POOLED.dropna(subset=["age"])
    expected = cox(_design(rows), rows["os_days"], rows["os_event"], ties="efron")
    result = algorithm.cox(mock_client=client, time="os_days", event="os_event", covariates=["age", "sex"])
    assert result["names"] == list(expected.names)
    close(expected.coef, result["coef"])
    close(expected.var, result["var"])
    close(expected.loglik, result["loglik"])


def test_cox_stratified_by_node_equals_the_pooled_stratified_fit(client: MockAlgorithmClient) -> None:
    node = np.repeat([0, 1, 2], [len(f) for f in FRAMES])
    keep = POOLED["age"].notna().to_numpy()
    rows = POOLED[keep]
    expected = cox(_design(rows), rows["os_days"], rows["os_event"], strata=node[keep], ties="breslow")
    result = algorithm.cox(
        mock_client=client,
        time="os_days",
        event="os_event",
        covariates=["age", "sex"],
        ties="breslow",
        strata_by_node=True,
    )
    close(expected.coef, result["coef"])
    close(expected.var, result["var"])


def test_fine_gray_equals_the_pooled_fit(client: MockAlgorithmClient) -> None:
    rows = POOLED.dropna(subset=["age"])
    expected = fine_gray(_design(rows), rows["cr_days"], rows["cr_cause"], cause_of_interest=2)
    result = algorithm.fine_gray(
        mock_client=client, time="cr_days", cause="cr_cause", cause_of_interest=2, covariates=["age", "sex"]
    )
    close(expected.coef, result["coef"])
    close(expected.se, result["se"])
    close(expected.loglik, result["loglik"])


def test_chosen_organisations_only(client: MockAlgorithmClient) -> None:
    pooled = pd.concat([FRAMES[0], FRAMES[2]], ignore_index=True)
    expected = kaplan_meier(pooled["os_days"], pooled["os_event"])
    result = algorithm.kaplan_meier(
        mock_client=client, time="os_days", event="os_event", organizations=[0, 2]
    )
    close(expected.survival, result["curves"][0]["survival"])
    assert len(result["nodes"]) == 2


def test_an_unknown_node_part_is_refused(client: MockAlgorithmClient) -> None:
    with pytest.raises(UnknownPart, match=r"no node part .rows.*event_table.*regression_setup"):
        client.task.create(
            input_={"method": "partial", "kwargs": {"part": "rows", "parameters": {}}}, organizations=[0]
        )


def test_a_request_cannot_set_the_node_rules(client: MockAlgorithmClient) -> None:
    parameters = {"time": "os_days", "status": "os_event", "min_cell": 1}
    with pytest.raises(ValueError, match="cannot set min_cell"):
        client.task.create(
            input_={"method": "partial", "kwargs": {"part": "event_table", "parameters": parameters}},
            organizations=[0],
        )


def test_the_module_holds_no_callable_but_its_entry_points() -> None:
    """vantage6's wrapper calls any function of the module by name: only the entry points may be there."""
    callables = {
        name
        for name, value in vars(algorithm).items()
        if callable(value) and not inspect.ismodule(value) and not name.startswith("__")
    }
    assert callables == ENTRY_POINTS
    assert set(algorithm.__all__) == ENTRY_POINTS
