"""Federated Cox and Fine-Gray (remission.federated.regression) against the pooled engine on pooled data.

Three synthetic analysis-set-like registries (NumPy, different seeds, sizes and case mixes; whole-day
times with many ties; one disease level absent at one registry; some rows missing a covariate). The
expected values come only from ``cox`` / ``fine_gray`` run on the concatenated complete rows, coded with the
reference the federated fit should choose (the most frequent pooled level, counted here with pandas).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from remission.federated.privacy import EXACT, Privacy
from remission.federated.protocol import local_send
from remission.federated.regression import (
    NODE_PARTS,
    _released,
    federated_cox,
    federated_fine_gray,
    node_cox_step,
    node_regression_setup,
)
from remission.survival.cox import cox
from remission.survival.fine_gray import fine_gray

COVARIATES = ["age", "sex", "disease", "intensity"]
TOL = 1e-9


def _registry(seed: int, n: int, diseases: list[str], shares: list[float]) -> pd.DataFrame:
    """An analysis-set-like frame: OS, PFS and competing-risks (relapse 1, NRM 2) endpoints in whole days."""
    rng = np.random.default_rng(seed)
    age = np.round(rng.uniform(18.0, 68.0, n), 1)
    sex = rng.choice(["female", "male"], size=n, p=[0.6, 0.4]).astype(object)
    disease = rng.choice(diseases, size=n, p=shares).astype(object)
    intensity = rng.choice(["low", "intermediate", "high"], size=n, p=[0.25, 0.45, 0.30]).astype(object)
    lin = (
        0.02 * (age - 45.0)
        + 0.3 * (sex == "male")
        + np.select([disease == "ssc", disease == "crohn"], [0.5, -0.3], 0.0)
        + np.select([intensity == "high", intensity == "low"], [0.4, -0.2], 0.0)
    )
    t_nrm = rng.exponential(1500.0 * np.exp(-lin))
    t_rel = rng.exponential(900.0 * np.exp(-0.5 * lin))
    t_cens = rng.uniform(30.0, 2500.0, n)
    days = lambda t: np.maximum(np.ceil(t / 7.0) * 7.0, 1.0)  # noqa: E731 weekly visits: many ties
    cr_time = np.minimum(np.minimum(t_rel, t_nrm), t_cens)
    cr_cause = np.where(cr_time == t_cens, 0, np.where(t_rel < t_nrm, 1, 2))
    os_time = np.minimum(t_nrm, t_cens)
    frame = pd.DataFrame(
        {
            "registry_id": np.arange(n),
            "age": age,
            "sex": sex,
            "disease": disease,
            "intensity": intensity,
            "os_days": days(os_time),
            "os_event": (t_nrm <= t_cens).astype(int),
            "cr_days": days(cr_time),
            "cr_cause": cr_cause,
        }
    )
    holes = rng.choice(n, size=6, replace=False)
    frame.loc[holes[:3], "age"] = np.nan
    frame.loc[holes[3:], "intensity"] = None
    return frame


FRAMES = [
    _registry(11, 420, ["ssc", "ms", "crohn", "sle"], [0.4, 0.3, 0.2, 0.1]),
    _registry(22, 260, ["ssc", "ms", "crohn"], [0.2, 0.6, 0.2]),  # no "sle" here
    _registry(33, 610, ["ssc", "ms", "crohn", "sle"], [0.5, 0.2, 0.2, 0.1]),
]


def _pooled(time: str, status: str) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Complete rows of all registries, the covariates coded with the most frequent level as reference,
    and the registry of each row."""
    parts = [f.assign(node=k).dropna(subset=[time, status, *COVARIATES]) for k, f in enumerate(FRAMES)]
    pooled = pd.concat(parts, ignore_index=True)
    X = pooled[COVARIATES].copy()
    for column in ("sex", "disease", "intensity"):
        counts = X[column].value_counts()
        top = sorted(counts.index[counts == counts.max()])[0]
        X[column] = pd.Categorical(X[column], categories=[top, *sorted(set(counts.index) - {top})])
    return pooled, X, pooled["node"].to_numpy()


def _send(privacy: Privacy = EXACT):
    return local_send(FRAMES, NODE_PARTS, privacy)


def _max_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))


@pytest.mark.parametrize("encoding", ["json", "binary"])
@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_cox_equals_pooled(ties: str, encoding: str) -> None:
    pooled, X, _ = _pooled("os_days", "os_event")
    expected = cox(X, pooled["os_days"], pooled["os_event"], ties=ties)
    fit = federated_cox(
        _send(), time="os_days", event="os_event", covariates=COVARIATES, ties=ties, encoding=encoding
    )
    assert fit.names == expected.names
    assert fit.converged and expected.converged
    np.testing.assert_allclose(fit.coef, expected.coef, rtol=0, atol=1e-9)
    np.testing.assert_allclose(fit.var, expected.var, rtol=0, atol=1e-9)
    np.testing.assert_allclose(fit.se, expected.se, rtol=0, atol=1e-9)
    np.testing.assert_allclose(fit.loglik, expected.loglik, rtol=0, atol=1e-9)
    assert fit.iterations == expected.iterations
    assert sum(fit.n) == expected.n and sum(fit.events) == expected.n_event
    assert fit.dropped == [6, 6, 6]
    assert fit.levels["disease"][0] == "ssc" and "sle" in fit.levels["disease"]
    assert fit.breslow_times == 0
    assert json.loads(json.dumps(fit.to_dict()))["coef"] == fit.coef.tolist()
    assert len(fit.traffic["rounds"]) == fit.iterations + 2  # setup, beta = 0, one per step
    print(
        f"cox {ties} {encoding}: max|dcoef| {_max_diff(fit.coef, expected.coef):.2e}, "
        f"max|dvar| {_max_diff(fit.var, expected.var):.2e}, "
        f"|dloglik| {_max_diff(fit.loglik, expected.loglik):.2e}, bytes {fit.traffic['bytes_per_node']}"
    )


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_cox_stratified_by_node_equals_pooled_strata(ties: str) -> None:
    pooled, X, node = _pooled("os_days", "os_event")
    expected = cox(X, pooled["os_days"], pooled["os_event"], ties=ties, strata=node)
    fit = federated_cox(
        _send(), time="os_days", event="os_event", covariates=COVARIATES, ties=ties, strata_by_node=True
    )
    assert fit.names == expected.names
    np.testing.assert_allclose(fit.coef, expected.coef, rtol=0, atol=1e-9)
    np.testing.assert_allclose(fit.var, expected.var, rtol=0, atol=1e-9)
    np.testing.assert_allclose(fit.loglik, expected.loglik, rtol=0, atol=1e-9)
    assert fit.iterations == expected.iterations
    print(f"stratified cox {ties}: max|dcoef| {_max_diff(fit.coef, expected.coef):.2e}")


@pytest.mark.parametrize("encoding", ["json", "binary"])
def test_fine_gray_equals_pooled(encoding: str) -> None:
    pooled, X, _ = _pooled("cr_days", "cr_cause")
    expected = fine_gray(X, pooled["cr_days"], pooled["cr_cause"], cause_of_interest=1)
    fit = federated_fine_gray(
        _send(),
        time="cr_days",
        cause="cr_cause",
        cause_of_interest=1,
        covariates=COVARIATES,
        encoding=encoding,
    )
    assert fit.names == expected.names
    assert fit.variance == "sandwich"
    np.testing.assert_allclose(fit.coef, expected.coef, rtol=0, atol=1e-9)
    np.testing.assert_allclose(fit.var, expected.var, rtol=0, atol=1e-9)  # crr's sandwich
    np.testing.assert_allclose(fit.se, expected.se, rtol=0, atol=1e-9)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.model_var)), expected.model_se, rtol=0, atol=1e-9)
    np.testing.assert_allclose(fit.loglik, expected.loglik, rtol=0, atol=1e-9)
    assert fit.iterations == expected.iterations
    assert sum(fit.events) == expected.n_event and sum(fit.competing) == expected.n_competing
    print(
        f"fine-gray {encoding}: max|dcoef| {_max_diff(fit.coef, expected.coef):.2e}, "
        f"max|dvar| {_max_diff(fit.var, expected.var):.2e}, "
        f"|dloglik| {_max_diff(fit.loglik, expected.loglik):.2e}, bytes {fit.traffic['bytes_per_node']}"
    )


def test_fine_gray_other_cause_and_model_variance() -> None:
    pooled, X, _ = _pooled("cr_days", "cr_cause")
    expected = fine_gray(X, pooled["cr_days"], pooled["cr_cause"], cause_of_interest=2)
    fit = federated_fine_gray(
        _send(),
        time="cr_days",
        cause="cr_cause",
        cause_of_interest=2,
        covariates=COVARIATES,
        variance="model",
    )
    np.testing.assert_allclose(fit.coef, expected.coef, rtol=0, atol=1e-9)
    np.testing.assert_allclose(fit.se, expected.model_se, rtol=0, atol=1e-9)  # model-based, as labelled
    assert fit.variance == "model"
    assert [r["part"] for r in fit.traffic["rounds"]].count("fine_gray_influence") == 0


def test_node_without_events_and_boolean_covariate() -> None:
    quiet = _registry(44, 150, ["ms", "crohn"], [0.5, 0.5]).assign(os_event=0)
    frames = [*FRAMES, quiet]
    frames = [f.assign(male=f["sex"] == "male") for f in frames]
    columns = ["age", "male", "disease"]
    pooled = pd.concat(frames, ignore_index=True).dropna(subset=["os_days", "os_event", *columns])
    X = pooled[columns].copy()
    counts = X["disease"].value_counts()
    top = sorted(counts.index[counts == counts.max()])[0]
    X["disease"] = pd.Categorical(X["disease"], categories=[top, *sorted(set(counts.index) - {top})])
    expected = cox(X, pooled["os_days"], pooled["os_event"])  # male: FALSE (the most frequent) first
    fit = federated_cox(
        local_send(frames, NODE_PARTS, EXACT), time="os_days", event="os_event", covariates=columns
    )
    assert fit.names == expected.names and "maleTRUE" in fit.names
    assert fit.events[-1] == 0
    np.testing.assert_allclose(fit.coef, expected.coef, rtol=0, atol=1e-9)
    np.testing.assert_allclose(fit.var, expected.var, rtol=0, atol=1e-9)
    np.testing.assert_allclose(fit.loglik, expected.loglik, rtol=0, atol=1e-9)


def test_given_reference_level() -> None:
    pooled, X, _ = _pooled("os_days", "os_event")
    X["disease"] = pd.Categorical(X["disease"].astype(str), categories=["ms", "crohn", "sle", "ssc"])
    expected = cox(X, pooled["os_days"], pooled["os_event"])
    fit = federated_cox(
        _send(), time="os_days", event="os_event", covariates=COVARIATES, reference={"disease": "ms"}
    )
    assert fit.names == expected.names
    np.testing.assert_allclose(fit.coef, expected.coef, rtol=0, atol=1e-9)


def test_privacy_coarsened_result_is_computed() -> None:
    privacy = Privacy(min_cell=5, time_grid_days=30.0)
    pooled, X, _ = _pooled("os_days", "os_event")
    exact = cox(X, pooled["os_days"], pooled["os_event"])
    fit = federated_cox(_send(privacy), time="os_days", event="os_event", covariates=COVARIATES)
    assert fit.converged and np.isfinite(fit.coef).all() and np.isfinite(fit.se).all()
    assert fit.privacy == [privacy.to_dict()] * 3
    print(
        f"cox, min_cell 5 / 30-day grid vs pooled exact: max|dcoef| {_max_diff(fit.coef, exact.coef):.3e}, "
        f"{fit.breslow_times} tied times with Breslow's denominator"
    )
    pooled, X, _ = _pooled("cr_days", "cr_cause")
    exact_fg = fine_gray(X, pooled["cr_days"], pooled["cr_cause"], cause_of_interest=1)
    fg = federated_fine_gray(
        _send(privacy), time="cr_days", cause="cr_cause", cause_of_interest=1, covariates=COVARIATES
    )
    assert fg.converged and np.isfinite(fg.coef).all() and np.isfinite(fg.se).all()
    print(f"fine-gray, min_cell 5 / 30-day grid: max|dcoef| {_max_diff(fg.coef, exact_fg.coef):.3e}")


def test_small_levels_are_not_counted() -> None:
    frame = FRAMES[1].head(40)
    reply = node_regression_setup(
        frame, Privacy(min_cell=30), time="os_days", status="os_event", covariates=["disease"]
    )
    term = reply["covariates"][0]
    counts = frame["disease"].value_counts()
    assert term["small"] == sorted(counts.index[counts < 30])
    assert term["counts"] == {k: int(v) for k, v in counts.items() if v >= 30}


def test_node_refuses_event_sums_under_min_cell() -> None:
    frame = FRAMES[1]
    events = frame.dropna(subset=["age"]).query("os_event == 1")
    times = np.unique(events["os_days"].to_numpy(dtype=float))
    assert events["os_days"].value_counts().min() < 5  # some event time holds 1..4 events
    with pytest.raises(ValueError, match="fewer than 5 events"):
        node_cox_step(
            frame,
            Privacy(min_cell=5),
            time="os_days",
            event="os_event",
            covariates=["age"],
            coding=[{"column": "age", "levels": None}],
            center=[0.0],
            beta=[0.0],
            times=times.tolist(),
            tied=list(range(times.shape[0])),
        )


def test_released_groups_by_hand() -> None:
    # min_cell 3: 1+0+2 closes at bucket 2; the short tail 1+0+1 joins it, so the group closes at 5
    assert _released(np.array([1, 0, 2, 1, 0, 1]), 3).tolist() == [-1, -1, -1, -1, -1, 5]
    assert _released(np.array([2, 1, 3, 0]), 3).tolist() == [-1, 1, 2, 2]
    assert _released(np.array([0, 2, 0, 1]), 1).tolist() == [-1, 1, 1, 3]  # exact: every bucket
    assert _released(np.array([1, 1]), 3).tolist() == [-1, -1]  # too few in all: never reported


def test_unknown_covariate_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no column 'ecog'"):
        federated_cox(_send(), time="os_days", event="os_event", covariates=["age", "ecog"])
    with pytest.raises(ValueError, match="no column 'ecog'"):
        federated_fine_gray(
            _send(), time="cr_days", cause="cr_cause", cause_of_interest=1, covariates=["ecog"]
        )
