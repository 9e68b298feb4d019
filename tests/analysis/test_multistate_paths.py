"""The registry's multi-state paths (remission.analysis.multistate.transitions), worked by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from remission.analysis.multistate import (
    CENSORED,
    NRM_DEATH,
    RELAPSE,
    RELAPSE_DEATH,
    RESPONSE,
    STATES,
    state_occupation,
    transition_models,
    transitions,
)
from remission.survival import aalen_johansen

DAY0 = dt.date(2020, 1, 1)


def _row(pid: str, **values: object) -> dict:
    base = {
        "registry_id": pid, "disease": "ssc", "infusion_date": DAY0, "os_days": 1000, "os_event": 0,
        "cr_days": 1000, "cr_cause": 0, "response_definition": "assist_response", "response": "no_response",
        "response_date": None,
    }  # fmt: skip
    return {**base, **values}


def _paths(*rows: dict) -> list[tuple]:
    result = transitions(pd.DataFrame(list(rows)))
    return [tuple(r) for r in result.rows[["id", "start", "stop", "to_state"]].itertuples(index=False)]


def test_response_then_relapse_then_death() -> None:
    row = _row(
        "a", response="response", response_date=DAY0 + dt.timedelta(days=300),
        cr_days=500, cr_cause=1, os_days=800, os_event=1,
    )  # fmt: skip
    assert _paths(row) == [
        ("a", 0.0, 300.0, RESPONSE),
        ("a", 300.0, 500.0, RELAPSE),
        ("a", 500.0, 800.0, RELAPSE_DEATH),
    ]


def test_nrm_from_transplanted_and_censoring() -> None:
    assert _paths(_row("b", cr_days=40, cr_cause=2, os_days=40, os_event=1)) == [("b", 0.0, 40.0, NRM_DEATH)]
    assert _paths(_row("c")) == [("c", 0.0, 1000.0, CENSORED)]


def test_relapse_then_censored_and_response_after_relapse_ignored() -> None:
    row = _row(
        "d", response="response", response_date=DAY0 + dt.timedelta(days=600), cr_days=500, cr_cause=1,
        os_days=900,
    )  # fmt: skip
    assert _paths(row) == [("d", 0.0, 500.0, RELAPSE), ("d", 500.0, 900.0, CENSORED)]


def test_same_day_and_day_zero_get_half_a_day() -> None:
    # relapse and death on day 200: the relapse first, the death half a day later
    same = _row("e", cr_days=200, cr_cause=1, os_days=200, os_event=1)
    # death on day 0 without relapse
    zero = _row("f", cr_days=0, cr_cause=2, os_days=0, os_event=1)
    assert _paths(same, zero) == [
        ("e", 0.0, 200.0, RELAPSE),
        ("e", 200.0, 200.5, RELAPSE_DEATH),
        ("f", 0.0, 0.5, NRM_DEATH),
    ]


def test_ms_has_no_response_state_and_no_follow_up_is_counted() -> None:
    ms = _row(
        "g", disease="ms", response_definition="neda3", response="neda", os_days=700, cr_days=700,
    )  # fmt: skip
    nothing = _row("h", os_days=0, cr_days=0)
    result = transitions(pd.DataFrame([ms, nothing]))
    assert [tuple(r) for r in result.rows.itertuples(index=False)] == [
        ("g", 0.0, 700.0, "transplanted", CENSORED)
    ]
    assert result.no_follow_up == 1


def _registry_frame(n: int = 400, seed: int = 5) -> pd.DataFrame:
    """Registry-like rows: relapse and NRM competing, death after relapse, responses, ties in days."""
    rng = np.random.default_rng(seed)
    relapse = np.ceil(rng.exponential(1500, n))
    nrm = np.ceil(rng.exponential(8000, n))
    follow = np.ceil(rng.uniform(30, 3000, n))
    first = np.minimum(relapse, nrm)
    cr_cause = np.where(first > follow, 0, np.where(relapse <= nrm, 1, 2))
    cr_days = np.minimum(first, follow)
    death_after = relapse + np.ceil(rng.exponential(1200, n))
    death = np.where(cr_cause == 2, nrm, np.where(cr_cause == 1, death_after, np.inf))
    os_event = (death <= follow).astype(int)
    os_days = np.where(os_event == 1, death, follow)
    responded = rng.random(n) < 0.6
    response_day = np.ceil(rng.uniform(90, 500, n))
    return pd.DataFrame(
        {
            "registry_id": [f"R{i:04d}" for i in range(n)],
            "disease": "ssc",
            "infusion_date": pd.Timestamp("2018-01-01"),
            "os_days": os_days.astype(int),
            "os_event": os_event,
            "cr_days": cr_days.astype(int),
            "cr_cause": cr_cause,
            "response_definition": "assist_response",
            "response": np.where(responded, "response", "no_response"),
            "response_date": pd.Timestamp("2018-01-01") + pd.to_timedelta(response_day, unit="D"),
        }
    )


def test_state_occupation_agrees_with_the_cumulative_incidences() -> None:
    """Independent checks by the engine's competing-risks estimator (itself checked against R): without
    responses, entering relapse/progression (the relapse state plus death after it) is the Aalen-Johansen
    incidence of relapse, death without relapse is that of NRM, and still transplanted is free of both.
    (With an intermediate state these are not identities, nor is the sum of the death states 1 - KM under
    censoring.) Every row sums to 1. Tolerance 1e-12 (the same products, in another order)."""
    frame = _registry_frame().assign(response="no_response")
    occupation = state_occupation(frame)
    days = np.arange(1.0, 3000.0, 7.0)
    at = occupation.at(days).pivot(index="time", columns="state", values="probability")
    assert RESPONSE not in at.columns
    np.testing.assert_allclose(at.sum(axis=1), 1.0, atol=1e-12)
    cif = aalen_johansen(frame["cr_days"].to_numpy(float), frame["cr_cause"].to_numpy())
    relapse, nrm = cif.at(days, cause=1).estimate, cif.at(days, cause=2).estimate
    np.testing.assert_allclose(at[RELAPSE] + at[RELAPSE_DEATH], relapse, atol=1e-12)
    np.testing.assert_allclose(at[NRM_DEATH], nrm, atol=1e-12)
    np.testing.assert_allclose(at["transplanted"], 1.0 - relapse - nrm, atol=1e-12)
    assert occupation.n == len(frame) and occupation.no_follow_up == 0


def test_state_occupation_with_responses_sums_to_one() -> None:
    occupation = state_occupation(_registry_frame())
    at = occupation.at(np.arange(1.0, 3000.0, 7.0)).pivot(index="time", columns="state", values="probability")
    assert set(at.columns) == set(STATES)
    np.testing.assert_allclose(at.sum(axis=1), 1.0, atol=1e-12)
    assert (at[RESPONSE] > 0.2).any()  # 60 % respond between day 90 and 500


TRANSITIONS_REFERENCE = Path(__file__).resolve().parent.parent / "reference" / "transitions"


def test_transition_models_equal_r() -> None:
    """One Cox model per transition (Efron ties, robust variance clustered on the patient) equals R's
    coxph on the same transition's rows (make_reference.R): coefficients, model and robust standard errors,
    p (robust). Tolerance 1e-6 relative."""
    patients = pd.read_csv(
        TRANSITIONS_REFERENCE / "data_patients.csv", parse_dates=["infusion_date", "response_date"]
    )
    expected = pd.read_csv(TRANSITIONS_REFERENCE / "expected_transitions.csv").set_index(
        ["transition", "term"]
    )
    models = transition_models(patients, patients[["age", "sex"]])
    got = models.table.set_index(["transition", "term"])
    assert sorted(got.index) == sorted(expected.index)  # six transitions, two terms each
    for (origin, target), fit in models.fits.items():
        for j, term in enumerate(fit.names):
            r = expected.loc[(f"{origin} → {target}", term)]
            np.testing.assert_allclose(fit.coef[j], r["coef"], rtol=1e-6)
            np.testing.assert_allclose(fit.se[j], r["se"], rtol=1e-6)
            np.testing.assert_allclose(fit.robust_se[j], r["robust_se"], rtol=1e-6)
            np.testing.assert_allclose(fit.p_value[j], r["p"], rtol=1e-6)
    assert len(expected) == 12


def test_a_transition_with_too_few_events_is_a_note() -> None:
    patients = pd.read_csv(
        TRANSITIONS_REFERENCE / "data_patients.csv", parse_dates=["infusion_date", "response_date"]
    )
    models = transition_models(patients, patients[["age", "sex"]], min_events_per_term=50)
    assert any(
        str(note).startswith("response → death without relapse: not modelled") for note in models.notes
    )


def test_transition_models_from_the_whole_frame_s_paths_equal_those_from_the_complete_cases() -> None:
    """Given the paths of every patient (the multi-state view's, computed once), the models take the
    complete cases' rows from them: the same fits as from the complete cases' own paths. Exact."""
    patients = pd.read_csv(
        TRANSITIONS_REFERENCE / "data_patients.csv", parse_dates=["infusion_date", "response_date"]
    )
    patients.loc[patients.index[::7], "age"] = np.nan  # every seventh patient not a complete case
    covariates = patients[["age", "sex"]]
    own = transition_models(patients, covariates)
    shared = transition_models(patients, covariates, paths=transitions(patients))
    pd.testing.assert_frame_equal(shared.table, own.table, check_exact=True)
    assert [str(note) for note in shared.notes] == [str(note) for note in own.notes]
