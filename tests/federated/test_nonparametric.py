"""Federated Kaplan-Meier, Aalen-Johansen, log-rank and Gray tests against the pooled engine.

Three synthetic analysis-set-like frames (different seeds, sizes and case mixes; integer day times with
ties; some missing values) play three registries. Every expected value comes from
:mod:`remission.survival` run on the concatenated frames (the pooled single database), never from the
federated code.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from numpy.typing import NDArray

from remission.federated.nonparametric import (
    NODE_PARTS,
    federated_aalen_johansen,
    federated_gray_test,
    federated_kaplan_meier,
    federated_logrank,
    node_event_table,
)
from remission.federated.privacy import EXACT, Privacy
from remission.federated.protocol import local_send, reply_bytes
from remission.survival import aalen_johansen, gray_test, kaplan_meier, logrank_test

TOL = 1e-9
DISEASES = ("ms", "ssc", "crohn", "sle")
DEFAULT = Privacy(min_cell=5, time_grid_days=30.0)
YEARS = np.array([365.25, 730.5, 1826.25])


def make_frame(seed: int, n: int, mix: tuple[float, ...], rare: int) -> pd.DataFrame:
    """An analysis-set-like frame: OS, PFS and relapse/NRM (cr_cause 1/2) in whole days with ties, a few
    missing values, and ``rare`` rows of a rare disease ("nmosd")."""
    rng = np.random.default_rng(seed)
    disease = np.concatenate([rng.choice(DISEASES, size=n - rare, p=mix), np.full(rare, "nmosd")]).astype(
        object
    )
    scale = {"ms": 4000.0, "ssc": 1200.0, "crohn": 2500.0, "sle": 1800.0, "nmosd": 1500.0}
    death = rng.exponential([scale[d] for d in disease])
    progression = rng.exponential([scale[d] / 2.0 for d in disease])
    censor = rng.uniform(20.0, 3650.0, n)
    os_days = np.ceil(np.minimum(death, censor))
    monthly = rng.random(n) < 0.35  # follow-up visits: ties on whole months
    os_days = np.where(monthly, np.ceil(os_days / 30.0) * 30.0, os_days)
    os_event = (death <= censor).astype(np.float64)
    pfs_days = np.minimum(os_days, np.ceil(progression))
    relapse = progression < np.minimum(death, censor)
    pfs_event = np.where(relapse, 1.0, os_event)
    cr_cause = np.where(relapse, 1.0, np.where(os_event == 1.0, 2.0, 0.0))
    age = np.round(rng.normal(38.0 + seed % 7, 11.0, n), 1)
    frame = pd.DataFrame(
        {
            "registry_id": [f"R{seed}-{i}" for i in range(n)],
            "centre": rng.choice([f"C{seed}a", f"C{seed}b"], size=n).astype(object),
            "disease": disease,
            "sex": rng.choice(["F", "M"], size=n, p=[0.55 + 0.05 * (seed % 3), 0.45 - 0.05 * (seed % 3)]),
            "age": age,
            "era": rng.choice([2005, 2012, 2019], size=n),
            "experienced": rng.random(n) < 0.6,
            "os_days": os_days,
            "os_event": os_event,
            "pfs_days": pfs_days,
            "pfs_event": pfs_event,
            "cr_days": pfs_days,
            "cr_cause": cr_cause,
        }
    )
    for column, share in (("os_days", 0.01), ("os_event", 0.01), ("cr_cause", 0.015), ("age", 0.03)):
        frame.loc[rng.random(n) < share, column] = np.nan
    frame.loc[rng.random(n) < 0.02, "disease"] = None
    return frame


def make_frames() -> list[pd.DataFrame]:
    """Three registries: 300 / 500 / 800 rows, different case mixes; 3, 7 and 0 rows of "nmosd"."""
    return [
        make_frame(11, 300, (0.6, 0.2, 0.1, 0.1), rare=3),
        make_frame(23, 500, (0.3, 0.4, 0.2, 0.1), rare=7),
        make_frame(37, 800, (0.25, 0.25, 0.25, 0.25), rare=0),
    ]


@pytest.fixture(scope="module")
def frames() -> list[pd.DataFrame]:
    return make_frames()


@pytest.fixture(scope="module")
def pooled(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True)


def usable(
    pooled: pd.DataFrame, time: str, status: str, group: str | None = None
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray | None]:
    """The pooled rows with time, status (and group) present: what one database would analyse."""
    columns = [time, status] + ([group] if group else [])
    rows = pooled.dropna(subset=columns)
    labels = rows[group].to_numpy() if group else None
    return rows[time].to_numpy(np.float64), rows[status].to_numpy(np.int64), labels


def max_abs(actual: object, expected: object) -> float:
    """Largest absolute difference over entries finite in both (positions of NaN/inf checked apart)."""
    a = np.asarray(actual, dtype=np.float64)
    b = np.asarray(expected, dtype=np.float64)
    both = np.isfinite(a) & np.isfinite(b)
    return float(np.max(np.abs(a[both] - b[both]), initial=0.0))


def check(actual: object, expected: object, what: str) -> float:
    """assert_allclose at rel/abs tolerance 1e-9 (NaN and inf must sit in the same places)."""
    np.testing.assert_allclose(
        np.asarray(actual, dtype=np.float64),
        np.asarray(expected, dtype=np.float64),
        rtol=TOL,
        atol=TOL,
        equal_nan=True,
        err_msg=what,
    )
    return max_abs(actual, expected)


def send_for(frames: list[pd.DataFrame], privacy: Privacy = EXACT):  # type: ignore[no-untyped-def]
    return local_send(frames, NODE_PARTS, privacy)


def levels_of(labels: NDArray) -> Iterator[str]:
    yield from sorted({str(v) for v in labels})


# ---------------------------------------------------------------------------------------------------------
# exactness with EXACT rules


@pytest.mark.parametrize(("time", "event"), [("os_days", "os_event"), ("pfs_days", "pfs_event")])
def test_kaplan_meier_equals_pooled(
    frames: list[pd.DataFrame], pooled: pd.DataFrame, time: str, event: str
) -> None:
    fed = federated_kaplan_meier(send_for(frames), time=time, event=event)
    t, s, _ = usable(pooled, time, event)
    ref = kaplan_meier(t, s)
    got = fed.curve
    diffs = [
        check(got.time, ref.time, "time"),  # rel/abs tolerance 1e-9
        check(got.n_risk, ref.n_risk, "n at risk"),  # rel/abs tolerance 1e-9
        check(got.n_event, ref.n_event, "n event"),  # rel/abs tolerance 1e-9
        check(got.n_censor, ref.n_censor, "n censored"),  # rel/abs tolerance 1e-9
        check(got.survival, ref.survival, "survival"),  # rel/abs tolerance 1e-9
        check(got.std_err, ref.std_err, "std err"),  # rel/abs tolerance 1e-9
        check(got.std_err_log, ref.std_err_log, "std err of log S"),  # rel/abs tolerance 1e-9
        check(got.lower, ref.lower, "lower"),  # rel/abs tolerance 1e-9
        check(got.upper, ref.upper, "upper"),  # rel/abs tolerance 1e-9
    ]
    print(f"KM {time}: {got.time.size} times, max abs difference federated - pooled {max(diffs):.3g}")
    assert sum(node.n_reported for node in fed.nodes) == t.shape[0]
    for node, frame in zip(fed.nodes, frames, strict=True):
        missing = frame[[time, event]].isna().any(axis=1).sum()
        assert node.n_reported + node.n_missing == len(frame) and node.n_missing == missing
    assert fed.exact and fed.bytes_received == sum(node.reply_bytes for node in fed.nodes) > 0
    json.dumps(fed.to_dict(), allow_nan=False)


def test_kaplan_meier_by_group_equals_pooled(frames: list[pd.DataFrame], pooled: pd.DataFrame) -> None:
    fed = federated_kaplan_meier(send_for(frames), time="os_days", event="os_event", group="disease")
    t, s, labels = usable(pooled, "os_days", "os_event", "disease")
    assert labels is not None
    assert sorted(map(str, fed.curves)) == list(levels_of(labels))
    worst = 0.0
    for level, got in fed.curves.items():
        rows = labels == level
        ref = kaplan_meier(t[rows], s[rows])
        worst = max(
            worst,
            check(got.time, ref.time, f"{level} time"),  # rel/abs tolerance 1e-9
            check(got.n_risk, ref.n_risk, f"{level} n at risk"),  # rel/abs tolerance 1e-9
            check(got.survival, ref.survival, f"{level} survival"),  # rel/abs tolerance 1e-9
            check(got.std_err, ref.std_err, f"{level} std err"),  # rel/abs tolerance 1e-9
        )
    print(f"KM os by disease: max abs difference federated - pooled {worst:.3g}")
    assert not any(node.suppressed for node in fed.nodes)


@pytest.mark.parametrize("group", [None, "disease"])
def test_aalen_johansen_equals_pooled(
    frames: list[pd.DataFrame], pooled: pd.DataFrame, group: str | None
) -> None:
    fed = federated_aalen_johansen(send_for(frames), time="cr_days", cause="cr_cause", group=group)
    t, s, labels = usable(pooled, "cr_days", "cr_cause", group)
    worst = 0.0
    for level, got in fed.curves.items():
        rows = np.ones(t.shape[0], dtype=bool) if labels is None else labels == level
        ref = aalen_johansen(t[rows], s[rows])
        assert got.causes.tolist() == ref.causes.tolist()
        worst = max(
            worst,
            check(got.time, ref.time, "time"),  # rel/abs tolerance 1e-9
            check(got.n_risk, ref.n_risk, "n at risk"),  # rel/abs tolerance 1e-9
            check(got.n_event, ref.n_event, "n event"),  # rel/abs tolerance 1e-9
            check(got.cumulative_incidence, ref.cumulative_incidence, "cuminc"),  # rel/abs tolerance 1e-9
            check(got.variance, ref.variance, "variance"),  # rel/abs tolerance 1e-9
            check(got.std_err, ref.std_err, "std err"),  # rel/abs tolerance 1e-9
            check(got.lower, ref.lower, "lower"),  # rel/abs tolerance 1e-9
            check(got.upper, ref.upper, "upper"),  # rel/abs tolerance 1e-9
            check(got.survival, ref.survival, "event-free survival"),  # rel/abs tolerance 1e-9
        )
    print(f"AJ cr by {group}: max abs difference federated - pooled {worst:.3g}")
    json.dumps(fed.to_dict(), allow_nan=False)


@pytest.mark.parametrize("group", ["disease", "sex", "era"])
def test_logrank_equals_pooled(frames: list[pd.DataFrame], pooled: pd.DataFrame, group: str) -> None:
    fed = federated_logrank(send_for(frames), time="os_days", event="os_event", group=group)
    ref = logrank_test(*usable(pooled, "os_days", "os_event", group))  # type: ignore[arg-type]
    got = fed.result
    assert got.groups.tolist() == ref.groups.tolist() and got.df == ref.df
    assert got.n.tolist() == ref.n.tolist()
    worst = max(
        check(got.statistic, ref.statistic, "chi-square"),  # rel/abs tolerance 1e-9
        check(got.p_value, ref.p_value, "p"),  # rel/abs tolerance 1e-9
        check(got.observed, ref.observed, "observed"),  # rel/abs tolerance 1e-9
        check(got.expected, ref.expected, "expected"),  # rel/abs tolerance 1e-9
        check(got.variance, ref.variance, "variance"),  # rel/abs tolerance 1e-9
    )
    print(f"log-rank os by {group}: chi2 {got.statistic:.6g} df {got.df}; max abs difference {worst:.3g}")
    json.dumps(fed.to_dict(), allow_nan=False)


@pytest.mark.parametrize("group", ["disease", "sex"])
def test_gray_equals_pooled(frames: list[pd.DataFrame], pooled: pd.DataFrame, group: str) -> None:
    fed = federated_gray_test(send_for(frames), time="cr_days", cause="cr_cause", group=group)
    ref = gray_test(*usable(pooled, "cr_days", "cr_cause", group))  # type: ignore[arg-type]
    got = fed.result
    assert got.causes.tolist() == ref.causes.tolist() and got.groups.tolist() == ref.groups.tolist()
    assert got.df == ref.df
    worst = max(
        check(got.statistic, ref.statistic, "statistic"),  # rel/abs tolerance 1e-9
        check(got.p_value, ref.p_value, "p"),  # rel/abs tolerance 1e-9
        check(got.score, ref.score, "score"),  # rel/abs tolerance 1e-9
        check(got.variance, ref.variance, "variance"),  # rel/abs tolerance 1e-9
    )
    print(f"Gray cr by {group}: statistics {np.round(got.statistic, 6)}; max abs difference {worst:.3g}")
    json.dumps(fed.to_dict(), allow_nan=False)


def test_the_comparison_can_fail(frames: list[pd.DataFrame], pooled: pd.DataFrame) -> None:
    """Two nodes instead of three: the federated curve is no longer the pooled one (the check bites)."""
    fed = federated_kaplan_meier(send_for(frames[:2]), time="os_days", event="os_event")
    ref = kaplan_meier(*usable(pooled, "os_days", "os_event")[:2])
    with pytest.raises(AssertionError):
        check(fed.curve.at(YEARS).estimate, ref.at(YEARS).estimate, "survival")  # rel/abs tolerance 1e-9


# ---------------------------------------------------------------------------------------------------------
# the node's privacy rules


def test_default_rules_replies_hold_only_groups_of_five(frames: list[pd.DataFrame]) -> None:
    for frame in frames:
        reply = node_event_table(frame, DEFAULT, time="os_days", status="os_event", group="disease")
        assert set(reply) == {
            "part",
            "time",
            "status",
            "group",
            "statuses",
            "levels",
            "suppressed",
            "n_reported",
            "n_missing",
            "n_suppressed",
            "privacy",
        }
        reported = {table["level"] for table in reply["levels"]}
        rare = int((frame["disease"] == "nmosd").sum())
        assert ("nmosd" in reply["suppressed"]) == (0 < rare < 5)
        assert ("nmosd" in reported) == (rare >= 5)
        assert not reported & set(reply["suppressed"])
        for table in reply["levels"]:
            counts = np.asarray(table["counts"])
            assert table["n"] >= 5 and counts.sum() == table["n"]
            assert (counts.sum(axis=1) >= 5).all(), "every reported time group holds >= 5 rows"
            assert all(t % 30 == 0 for t in table["time"]), "times on the 30-day grid"
        for count in (reply["n_missing"], reply["n_suppressed"]):
            assert count is None or count == 0 or count >= 5
        if 0 < rare < 5:
            assert reply["n_suppressed"] is None  # the rare level's count is withheld


def test_default_rules_result_differs_from_pooled(frames: list[pd.DataFrame], pooled: pd.DataFrame) -> None:
    send = local_send(frames, NODE_PARTS, DEFAULT)
    km = federated_kaplan_meier(send, time="os_days", event="os_event")
    ref_km = kaplan_meier(*usable(pooled, "os_days", "os_event")[:2])
    km_diff = np.abs(km.curve.at(YEARS).estimate - ref_km.at(YEARS).estimate)
    aj = federated_aalen_johansen(send, time="cr_days", cause="cr_cause")
    ref_aj = aalen_johansen(*usable(pooled, "cr_days", "cr_cause")[:2])
    aj_diff = np.abs(aj.curve.at(YEARS, cause=2).estimate - ref_aj.at(YEARS, cause=2).estimate)
    grouped = federated_kaplan_meier(send, time="os_days", event="os_event", group="disease")
    print(
        "default rules (min_cell 5, 30-day grid) vs pooled, |difference| at 1, 2, 5 years: "
        f"KM OS {np.round(km_diff, 5).tolist()}, AJ NRM {np.round(aj_diff, 5).tolist()}; "
        f"bytes {km.bytes_received} (exact rules: "
        f"{federated_kaplan_meier(send_for(frames), time='os_days', event='os_event').bytes_received})"
    )
    assert not km.exact and km_diff.max() > 0 and aj_diff.max() > 0
    assert [node.suppressed for node in grouped.nodes] == [("nmosd",), (), ()]
    assert "nmosd" in grouped.curves  # the second node's 7 rows are reported
    assert grouped.curves["nmosd"].n_risk[0] == 7 - int(frames[1]["os_days"].isna()[-7:].sum())


def test_reply_size_depends_on_times_not_patients(frames: list[pd.DataFrame]) -> None:
    """Five copies of a registry against fifty: the same times, statuses and groups, counts times ten.
    (From five copies on, every distinct time holds >= 5 rows, so no time is merged under either rule.)"""
    five = pd.concat([frames[2]] * 5, ignore_index=True)
    fifty = pd.concat([frames[2]] * 50, ignore_index=True)
    for privacy in (EXACT, DEFAULT):
        small = node_event_table(five, privacy, time="cr_days", status="cr_cause", group="sex")
        big = node_event_table(fifty, privacy, time="cr_days", status="cr_cause", group="sex")
        assert big["statuses"] == small["statuses"]
        cells = 0
        for a, b in zip(small["levels"], big["levels"], strict=True):
            assert a["level"] == b["level"] and a["time"] == b["time"]
            assert (np.asarray(b["counts"]) == 10 * np.asarray(a["counts"])).all()
            cells += np.asarray(a["counts"]).size
        # ten times the patients: each nonzero count gains one digit, nothing else grows
        growth = reply_bytes(big) - reply_bytes(small)
        assert 0 < growth <= cells + 10, growth
        if privacy is DEFAULT:  # at most one reported time per 30-day interval of follow-up
            grid_points = np.unique(np.ceil(frames[2]["cr_days"].dropna() / 30.0)).size
            assert all(len(table["time"]) <= grid_points for table in big["levels"])


def test_bad_input(frames: list[pd.DataFrame]) -> None:
    send = send_for(frames)
    with pytest.raises(
        ValueError, match=r"the analysis set has no column 'nope' \(node part 'event_table'\)"
    ):
        federated_kaplan_meier(send, time="nope", event="os_event")
    with pytest.raises(ValueError, match=r"has no column 'no_group'"):
        federated_logrank(send, time="os_days", event="os_event", group="no_group")
    with pytest.raises(ValueError, match="not numeric"):
        federated_kaplan_meier(send, time="centre", event="os_event")
    bad = frames[0].assign(os_event=frames[0]["os_event"] / 2)
    with pytest.raises(ValueError, match="status codes"):
        node_event_table(bad, EXACT, time="os_days", status="os_event")
    with pytest.raises(ValueError, match="every group level was suppressed"):
        federated_kaplan_meier(
            local_send(frames, NODE_PARTS, Privacy(min_cell=1000)), time="os_days", event="os_event"
        )
    with pytest.raises(ValueError, match="negative or infinite"):
        node_event_table(frames[0].assign(os_days=-1.0), EXACT, time="os_days", status="os_event")


def test_node_parts_are_named() -> None:
    assert dict(NODE_PARTS) == {"event_table": node_event_table}
