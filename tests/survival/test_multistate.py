"""remission.survival.multistate against R survival::survfit on multi-state counting-process data.

Reference values: tests/reference/multistate/make_reference.R (survival 3.5-3, run with influence = TRUE so
that an estimated p0 contributes its influence, as later versions always do). The tests only read its CSVs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from remission.survival import (
    MultistateResult,
    SurvivalInputError,
    aalen_johansen,
    kaplan_meier,
    multistate,
)

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "multistate"


@cache
def read(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / name)


def _mgus2(age_scale: bool) -> MultistateResult:
    d = read("data_mgus2.csv")
    shift = d["age"] * 12 if age_scale else 0.0
    return multistate(
        d["id"], d["tstart"] + shift, d["tstop"] + shift, d["event"], initial_state="(s0)", censored="censor"
    )


def _registry(name: str, weighted: bool, early_only: bool = False) -> MultistateResult:
    d = read(name)
    if early_only:
        d = d[d["id"].isin(d["id"][(d["start"] == 0) & (d["istate"] == "infusion")])]
    weights = d["weight"] if weighted else None
    return multistate(
        d["id"], d["start"], d["stop"], d["to_state"], initial_state=d["istate"], weights=weights
    )


CASES: dict[str, Callable[[], MultistateResult]] = {
    "mgus2": lambda: _mgus2(age_scale=False),
    "mgus2_age": lambda: _mgus2(age_scale=True),
    "registry": lambda: _registry("data_registry.csv", weighted=False),
    "registry_weighted": lambda: _registry("data_registry.csv", weighted=True),
    "registry_mixed": lambda: _registry("data_registry_mixed.csv", weighted=False),
    "registry_mixed_weighted": lambda: _registry("data_registry_mixed.csv", weighted=True),
    "registry_early_weighted": lambda: _registry("data_registry.csv", weighted=True, early_only=True),
}
WEIGHTED = {"registry_weighted", "registry_mixed_weighted", "registry_early_weighted"}


@cache
def fitted(case: str) -> MultistateResult:
    return CASES[case]()


def _merged(case: str) -> pd.DataFrame:
    ours = fitted(case).to_frame()
    ref = read(f"ref_{case}.csv")
    merged = ours.merge(ref, on=["time", "state"], suffixes=("", "_r"), how="left")
    assert not merged["probability_r"].isna().any(), "every time on our grid is a time of R's fit"
    return merged


@pytest.mark.parametrize("case", list(CASES))
def test_probability_and_std_err_equal_survfit(case: str) -> None:
    m = _merged(case)
    # tolerance 1e-6 relative (absolute floor 1e-12 for values that are 0 in R)
    np.testing.assert_allclose(m["probability"], m["probability_r"], rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(m["std_err"], m["std_err_r"], rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("case", list(CASES))
def test_log_interval_equals_survfit(case: str) -> None:
    m = _merged(case)
    # R keeps rounding residues (~1e-16) in the probability of an emptied state, which give it numbers
    # there; ours is exactly 0 and its interval NaN, as R's is wherever its probability is exactly 0
    kept = m["probability_r"] > 1e-12
    for column in ("lower", "upper"):
        # tolerance 1e-6 relative (absolute floor 1e-12)
        np.testing.assert_allclose(m.loc[kept, column], m.loc[kept, f"{column}_r"], rtol=1e-6, atol=1e-12)
    zero = m["probability_r"] == 0
    assert m.loc[zero, "lower"].isna().all() and m.loc[zero, "upper"].isna().all()


@pytest.mark.parametrize("case", sorted(set(CASES) - WEIGHTED))
def test_number_at_risk_equals_survfit(case: str) -> None:
    # survival 3.5 reports unweighted counts, so only the unweighted cases are compared
    m = _merged(case)
    np.testing.assert_allclose(m["n_risk"], m["n_risk_r"], rtol=0, atol=1e-9)  # counts: exact up to 1e-9


@pytest.mark.parametrize("case", list(CASES))
def test_values_at_every_time_of_the_r_fit(case: str) -> None:
    # R 3.5 also lists censoring times inside a patient's follow-up; the step function must agree there
    ref = read(f"ref_{case}.csv")
    ours = fitted(case).at(np.unique(ref["time"]))
    merged = ours.merge(ref, on=["time", "state"], suffixes=("", "_r"))
    assert len(merged) == len(ref)
    np.testing.assert_allclose(merged["probability"], merged["probability_r"], rtol=1e-6, atol=1e-12)  # 1e-6
    np.testing.assert_allclose(merged["std_err"], merged["std_err_r"], rtol=1e-6, atol=1e-12)  # 1e-6


@pytest.mark.parametrize("case", list(CASES))
def test_at_equals_summary_survfit(case: str) -> None:
    ref = read(f"ref_{case}_summary.csv")
    result = fitted(case)
    ours = result.at(np.unique(ref["time"]))
    merged = ours.merge(ref, on=["time", "state"], suffixes=("", "_r"))
    assert len(merged) == len(ref)
    np.testing.assert_allclose(merged["probability"], merged["probability_r"], rtol=1e-6, atol=1e-12)  # 1e-6
    # before the first time, summary() shows sqrt(colSums(i0^2)) of survival 3.5's unweighted i0 (its fit
    # multiplies i0 by the weights later); with weights only the later times are compared
    se_rows = merged["time"] >= result.time[0] if case in WEIGHTED else merged["time"] == merged["time"]
    np.testing.assert_allclose(  # tolerance 1e-6 relative
        merged.loc[se_rows, "std_err"], merged.loc[se_rows, "std_err_r"], rtol=1e-6, atol=1e-12
    )
    # summary() fills lower = upper = 0 before the first time of the fit (a display convention); after
    # it, the limits are the fit's
    started = (merged["time"] >= result.time[0]) & (merged["probability_r"] > 1e-12)
    for column in ("lower", "upper"):
        np.testing.assert_allclose(  # tolerance 1e-6 relative
            merged.loc[started, column], merged.loc[started, f"{column}_r"], rtol=1e-6, atol=1e-12
        )


def test_initial_distribution_has_an_influence_when_estimated() -> None:
    # mixed initial states at the common start day 0: p0 is estimated, its SE is that of a proportion
    result = fitted("registry_mixed")
    d = read("data_registry_mixed.csv")
    first = d.drop_duplicates("id")
    share = float((first["istate"] == "response").mean())
    column = result.states.index("response")
    np.testing.assert_allclose(result.p0[column], share, rtol=1e-12)  # tolerance 1e-12: same arithmetic
    expected = np.sqrt(share * (1 - share) / len(first))  # IJ SE of a sample proportion
    np.testing.assert_allclose(result.se0[column], expected, rtol=1e-12)  # tolerance 1e-12


# -- invariants ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", list(CASES))
def test_probabilities_sum_to_one(case: str) -> None:
    result = fitted(case)
    np.testing.assert_allclose(result.probability.sum(axis=1), 1.0, rtol=0, atol=1e-12)  # tolerance 1e-12
    assert np.all(result.probability >= -1e-15)


@pytest.mark.parametrize("late_entry", [False, True])
def test_alive_to_death_only_is_one_minus_kaplan_meier(late_entry: bool) -> None:
    mg = read("data_mgus2.csv")
    last = mg.groupby("id").agg(age=("age", "first"), stop=("tstop", "max"), event=("event", "last"))
    entry = last["age"] * 12 if late_entry else 0.0 * last["age"]
    stop = entry + last["stop"]
    died = (last["event"] == "death").to_numpy()
    result = multistate(last.index, entry, stop, np.where(died, "dead", "(censored)"), initial_state="alive")
    km = kaplan_meier(stop, died.astype(int), entry=entry if late_entry else None)
    expected = km.at(result.time).estimate
    alive = result.states.index("alive")
    np.testing.assert_allclose(result.probability[:, alive], expected, rtol=1e-6, atol=1e-12)  # 1e-6
    np.testing.assert_allclose(  # tolerance 1e-6
        result.probability[:, result.states.index("dead")], 1 - expected, rtol=1e-6, atol=1e-12
    )


def test_competing_absorbing_states_give_the_cumulative_incidence() -> None:
    # mgus2 first event: PCM or death before PCM (the compete vignette's competing-risks form)
    mg = read("data_mgus2.csv")
    first = mg.groupby("id").first()
    cause = first["event"].map({"censor": 0, "pcm": 1, "death": 2}).to_numpy()
    result = multistate(
        first.index,
        np.zeros(len(first)),
        first["tstop"],
        first["event"],
        initial_state="entry",
        censored="censor",
    )
    aj = aalen_johansen(first["tstop"], cause)
    for code, state in ((1, "pcm"), (2, "death")):
        expected = aj.at(result.time, cause=code).estimate
        column = result.states.index(state)
        np.testing.assert_allclose(result.probability[:, column], expected, rtol=1e-6, atol=1e-12)  # 1e-6


def test_constant_weights_change_nothing() -> None:
    d = read("data_registry.csv")
    plain = fitted("registry")
    doubled = multistate(
        d["id"], d["start"], d["stop"], d["to_state"], initial_state=d["istate"], weights=np.full(len(d), 2.0)
    )
    np.testing.assert_allclose(doubled.probability, plain.probability, rtol=1e-12, atol=1e-15)  # 1e-12
    np.testing.assert_allclose(doubled.std_err, plain.std_err, rtol=1e-9, atol=1e-15)  # 1e-9


def test_row_order_and_split_rows_do_not_matter() -> None:
    d = read("data_registry.csv")
    plain = fitted("registry")
    shuffled = d.sample(frac=1.0, random_state=3)
    result = multistate(
        shuffled["id"],
        shuffled["start"],
        shuffled["stop"],
        shuffled["to_state"],
        initial_state=shuffled["istate"],
    )
    np.testing.assert_array_equal(result.time, plain.time)
    np.testing.assert_allclose(result.probability, plain.probability, rtol=1e-12, atol=1e-15)  # 1e-12
    np.testing.assert_allclose(result.std_err, plain.std_err, rtol=1e-9, atol=1e-15)  # 1e-9
    # split every row that spans day 50 into two (the first "censored")
    spans = (d["start"] < 50) & (d["stop"] > 50)
    head = d[spans].assign(stop=50.0, to_state="(censored)")
    tail = d[spans].assign(start=50.0)
    split = pd.concat([d[~spans], head, tail], ignore_index=True)
    result = multistate(
        split["id"], split["start"], split["stop"], split["to_state"], initial_state=split["istate"]
    )
    np.testing.assert_array_equal(result.time, plain.time)
    np.testing.assert_allclose(result.probability, plain.probability, rtol=1e-12, atol=1e-15)  # 1e-12
    np.testing.assert_allclose(result.std_err, plain.std_err, rtol=1e-9, atol=1e-15)  # 1e-9


def test_initial_state_per_id_mapping_and_state_order() -> None:
    d = read("data_registry.csv")
    first = d.drop_duplicates("id").set_index("id")["istate"].to_dict()
    by_id = multistate(d["id"], d["start"], d["stop"], d["to_state"], initial_state=first)
    per_row = fitted("registry")
    np.testing.assert_allclose(by_id.probability, per_row.probability, rtol=1e-12)  # tolerance 1e-12
    # default order: initial-only states sorted, then destinations sorted (R's factor() defaults)
    assert per_row.states == ("infusion", "death", "relapse", "response")
    ordered = multistate(
        d["id"],
        d["start"],
        d["stop"],
        d["to_state"],
        initial_state=d["istate"],
        states=["infusion", "response", "relapse", "death"],
    )
    assert ordered.states == ("infusion", "response", "relapse", "death")
    np.testing.assert_allclose(ordered.probability[:, 1], per_row.probability[:, 3], rtol=1e-12)  # 1e-12


def test_frames() -> None:
    result = fitted("registry")
    frame = result.to_frame()
    assert list(frame.columns) == [
        "time",
        "state",
        "n_risk",
        "n_event",
        "probability",
        "std_err",
        "lower",
        "upper",
    ]
    assert len(frame) == result.time.shape[0] * len(result.states)
    at = result.at([-1.0, 365.0, 1e6])
    assert list(at.columns) == ["time", "state", "probability", "std_err", "lower", "upper"]
    np.testing.assert_allclose(at["probability"][:4], result.p0, rtol=0)  # before the curve: p0, exactly
    np.testing.assert_allclose(at["probability"][8:], result.probability[-1], rtol=0)  # after: last value


# -- validation ------------------------------------------------------------------------------------------


def _small() -> dict[str, list]:
    return {
        "id": [1, 1, 2, 3],
        "start": [0.0, 5.0, 0.0, 2.0],
        "stop": [5.0, 9.0, 7.0, 8.0],
        "to_state": ["response", "death", "(censored)", "death"],
    }


def _call(**changes: object) -> MultistateResult:
    data: dict[str, object] = {**_small(), **changes}
    initial = data.pop("initial_state", "infusion")
    return multistate(
        data["id"],
        data["start"],
        data["stop"],
        data["to_state"],
        initial_state=initial,
        weights=data.get("weights"),
    )


def test_small_example_runs() -> None:
    result = _call()
    assert result.states == ("infusion", "death", "response")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"stop": [5.0, 5.0, 7.0, 8.0]}, "stop must be after start; row 1 has start 5.0 >= stop 5.0"),
        ({"start": [0.0, 4.0, 0.0, 2.0]}, "id 1: row 1 starts at 4.0, before row 0 ends at 5.0 (overlapping"),
        ({"start": [0.0, 6.0, 0.0, 2.0]}, "id 1: row 1 starts at 6.0, after row 0 ends at 5.0 (a gap"),
        (
            {"to_state": ["response", "response", "(censored)", "death"]},
            "row 1 moves to 'response', the state",
        ),
        ({"to_state": ["infusion", "death", "(censored)", "death"]}, "row 0 moves to 'infusion', the state"),
        (
            {"to_state": ["response", None, "(censored)", "death"]},
            "to_state has 1 missing value(s), first at row 1",
        ),
        ({"id": [1, 1, np.nan, 3]}, "id has 1 missing value(s), first at row 2"),
        ({"start": [0.0, 5.0, np.nan, 2.0]}, "start has 1 missing or infinite value(s), first at row 2"),
        ({"stop": [5.0, 9.0, 7.0]}, "stop has 3 rows but start has 4"),
        ({"weights": [1.0, -1.0, 1.0, 1.0]}, "weights must be non-negative; row 1 is -1.0"),
        (
            {"initial_state": ["infusion", "infusion", "infusion", "infusion"]},
            "initial_state of row 1 is 'infusion' but id 1 is in 'response' there",
        ),
        ({"initial_state": {1: "infusion", 2: "infusion"}}, "initial_state has no entry for id 3"),
        ({"initial_state": None}, "initial_state has 1 missing value(s)"),
    ],
)
def test_errors_name_the_row_and_rule(changes: dict[str, object], message: str) -> None:
    with pytest.raises(SurvivalInputError, match=_escape(message)):
        _call(**changes)


def test_state_order_errors() -> None:
    s = _small()
    with pytest.raises(SurvivalInputError, match=_escape("states does not list 'response'")):
        multistate(
            s["id"], s["start"], s["stop"], s["to_state"], initial_state="infusion", states=["infusion"]
        )
    with pytest.raises(SurvivalInputError, match=_escape("states lists 'death' more than once")):
        multistate(
            s["id"], s["start"], s["stop"], s["to_state"], initial_state="infusion", states=["death", "death"]
        )
    with pytest.raises(SurvivalInputError, match="conf_level"):
        multistate(s["id"], s["start"], s["stop"], s["to_state"], initial_state="infusion", conf_level=1.5)


def _escape(text: str) -> str:
    import re

    return re.escape(text)
