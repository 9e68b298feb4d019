"""The standard outcome analysis reports exactly what the survival engine computes on the same cohort
(one source of truth), and its tables have the promised shape."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from remission.analysis.cohorts import era_of
from remission.analysis.outcomes import (
    TIMEPOINTS,
    compare_groups,
    incidence_estimates,
    model_frame,
    patients_per_centre_year,
    reference_levels,
    standard_outcomes,
)
from remission.survival import (
    aalen_johansen,
    cox,
    design_matrix,
    fine_gray,
    gray_test,
    kaplan_meier,
    logrank_test,
)


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    rng = np.random.default_rng(20260101)
    n = 240
    frame = pd.DataFrame(
        {
            "registry_id": [f"P{i:03d}" for i in range(n)],
            "centre": rng.choice(["x", "y", "z"], n),
            "disease": rng.choice(["ms", "ssc"], n),
            "sex": rng.choice(["female", "male"], n),
            "age": rng.uniform(18, 65, n),
            "intensity": rng.choice(["high", "intermediate", "low"], n),
            "experienced": rng.choice([True, False], n),
            "infusion_date": pd.Timestamp("2004-01-01") + pd.to_timedelta(rng.integers(0, 7000, n), unit="D"),
        }
    )
    frame["era"] = era_of(frame["infusion_date"].dt.year, (2000, 2010, 2020))
    days = rng.integers(0, 2500, n)
    cause = rng.choice([0, 1, 2], n, p=[0.55, 0.3, 0.15])
    frame["cr_days"], frame["cr_cause"] = days, cause
    frame["pfs_days"], frame["pfs_event"] = days, (cause > 0).astype(int)
    later_death = (cause == 1) & (rng.random(n) < 0.4)
    frame["os_days"] = days + np.where(cause == 1, rng.integers(0, 400, n), 0)
    frame["os_event"] = ((cause == 2) | later_death).astype(int)
    frame["last_contact"] = frame["infusion_date"] + pd.to_timedelta(frame["os_days"], unit="D")
    return frame


def picked(estimates: pd.DataFrame, stratum: str, group: str, endpoint: str) -> pd.DataFrame:
    rows = estimates[
        (estimates["stratum"] == stratum)
        & (estimates["group"] == group)
        & (estimates["endpoint"] == endpoint)
    ]
    return rows.reset_index(drop=True)


def test_kaplan_meier_and_incidence_match_the_engine(cohort: pd.DataFrame) -> None:
    result = standard_outcomes(cohort, by="experienced")
    times = [t for t, _ in TIMEPOINTS]
    for stratum, rows in [("all", cohort), ("ms", cohort[cohort["disease"] == "ms"])]:
        os_fit = kaplan_meier(rows["os_days"], rows["os_event"]).at(times)
        got = picked(result.estimates, stratum, "all", "OS")
        np.testing.assert_allclose(got["estimate"], os_fit.estimate, rtol=0, atol=0)
        np.testing.assert_allclose(got["lower"], os_fit.lower, rtol=0, atol=0)
        np.testing.assert_allclose(got["upper"], os_fit.upper, rtol=0, atol=0)
        pfs_fit = kaplan_meier(rows["pfs_days"], rows["pfs_event"]).at(times)
        np.testing.assert_allclose(
            picked(result.estimates, stratum, "all", "PFS")["estimate"], pfs_fit.estimate
        )
        aj = aalen_johansen(rows["cr_days"], rows["cr_cause"])
        for endpoint, cause in (("relapse/progression", 1), ("NRM", 2)):
            points = aj.at(times, cause=cause)
            got = picked(result.estimates, stratum, "all", endpoint)
            np.testing.assert_allclose(got["estimate"], points.estimate, rtol=0, atol=0)
            np.testing.assert_allclose(got["upper"], points.upper, rtol=0, atol=0)
    experienced = cohort[cohort["experienced"]]
    os_fit = kaplan_meier(experienced["os_days"], experienced["os_event"]).at(times)
    np.testing.assert_allclose(picked(result.estimates, "all", "True", "OS")["estimate"], os_fit.estimate)
    assert list(picked(result.estimates, "all", "all", "OS")["timepoint"]) == [
        "100 days",
        "1 year",
        "2 years",
        "3 years",
        "5 years",
    ]


def test_tests_match_the_engine(cohort: pd.DataFrame) -> None:
    tests = compare_groups(cohort, "experienced")
    group = cohort["experienced"].astype(str).to_numpy()
    os_test = logrank_test(cohort["os_days"], cohort["os_event"], group)
    row = tests[(tests["endpoint"] == "OS") & (tests["test"] == "log-rank")].iloc[0]
    assert (row["statistic"], row["p_value"]) == (os_test.statistic, os_test.p_value)
    gray = gray_test(cohort["cr_days"], cohort["cr_cause"], group)
    row = tests[(tests["endpoint"] == "NRM") & (tests["test"] == "Gray")].iloc[0]
    assert row["p_value"] == gray.p_value[list(gray.causes).index(2)]


def test_models_match_the_engine(cohort: pd.DataFrame) -> None:
    # every model fitted, whatever its events per term: this checks the wiring to the engine
    result = standard_outcomes(cohort, min_events_per_term=0)
    x = model_frame(cohort)
    assert list(x.columns) == ["age_per_10y", "sex", "disease", "era", "intensity", "experienced"]
    os_fit = cox(x, cohort["os_days"], cohort["os_event"]).to_frame()
    got = result.models[(result.models["stratum"] == "all") & (result.models["model"] == "Cox")]
    got = got[got["endpoint"] == "OS"].set_index("term")
    np.testing.assert_allclose(got["hazard_ratio"], np.exp(os_fit["coef"]))
    np.testing.assert_allclose(got["lower"], np.exp(os_fit["lower"]))
    fg = fine_gray(x, cohort["cr_days"], cohort["cr_cause"], cause_of_interest=2).to_frame()
    got = result.models[(result.models["stratum"] == "all") & (result.models["model"] == "Fine-Gray")]
    np.testing.assert_allclose(got.set_index("term")["hazard_ratio"], np.exp(fg["coef"]))
    cs = result.models[(result.models["model"] == "cause-specific Cox") & (result.models["stratum"] == "all")]
    cs_fit = cox(x, cohort["cr_days"], (cohort["cr_cause"] == 2).astype(int)).to_frame()
    np.testing.assert_allclose(cs.set_index("term")["hazard_ratio"], np.exp(cs_fit["coef"]))
    # per disease the disease term is left out
    ms_terms = set(result.models.loc[result.models["stratum"] == "ms", "term"])
    assert not any(term.startswith("disease") for term in ms_terms)


def test_absent_cause_has_zero_incidence() -> None:
    frame = pd.DataFrame({"cr_days": [10, 20, 30], "cr_cause": [1, 0, 1]})
    table = incidence_estimates(frame, of=2)
    assert list(table["estimate"]) == [0.0] * len(TIMEPOINTS)


def test_follow_up_and_counts(cohort: pd.DataFrame) -> None:
    result = standard_outcomes(cohort, cutoff=dt.date(2025, 1, 1))
    assert result.cutoff == dt.date(2025, 1, 1)
    overall = result.follow_up.set_index("stratum").loc["all"]
    reverse = kaplan_meier(cohort["os_days"], 1 - cohort["os_event"]).median
    assert overall["median_follow_up_days"] == reverse.estimate
    assert overall["n"] == len(cohort)
    counts = patients_per_centre_year(cohort)
    assert counts["n"].sum() == len(cohort)
    year = cohort["infusion_date"].dt.year
    assert (
        counts.set_index(["centre", "year"]).loc[("x", 2010), "n"]
        == ((cohort["centre"] == "x") & (year == 2010)).sum()
    )


def test_one_group_only_is_noted_not_raised(cohort: pd.DataFrame) -> None:
    result = standard_outcomes(cohort[cohort["experienced"]], by="experienced", per_disease=False)
    assert result.tests.empty
    assert any("group comparison" in str(note) for note in result.notes)


def test_reference_level_is_the_most_common_level() -> None:
    frame = pd.DataFrame(
        {
            "age": [30.0, 40.0, 50.0, 60.0, 35.0, 45.0, 55.0],
            "sex": ["female", "male", "male", "female", "male", "unknown", "female"],
            "disease": ["aic", "ms", "ssc", "ms", "ssc", "ms", "ms"],
            "intensity": ["high", "", "low", "low", "high", "high", "low"],
            "experienced": [True, False, True, True, False, True, True],
        }
    )
    frame["era"] = era_of(pd.Series([1998, 2005, 2005, 2012, 2012, 2021, 2021]), (2000, 2010, 2020))
    covariates = ("age", "sex", "disease", "era", "intensity", "experienced")
    # complete cases: row 5 (sex unknown) is left out
    references = reference_levels(frame, covariates)
    assert references == {
        "sex": "female",  # female 3, male 3: a tie, the first alphabetically
        "disease": "ms",  # ms 3 (not the alphabetical first, aic)
        "era": "2000–2009",  # 2000–2009 2, 2010–2019 2: a tie, the earlier era
        "intensity": "low",  # low 3, high 2, unknown 1
        "experienced": "yes",
    }
    x = model_frame(frame, covariates)
    assert [x[c].cat.categories[0] for c in ("sex", "disease", "era", "intensity", "experienced")] == [
        "female",
        "ms",
        "2000–2009",
        "low",
        "yes",
    ]
    assert list(x["era"].cat.categories) == ["2000–2009", "≤1999", "2010–2019", "≥2020"]
    assert list(x["disease"].cat.categories) == ["ms", "aic", "ssc"]
    # stated references are kept; one absent from the frame leaves the first present level
    given = model_frame(frame, covariates, references={"disease": "ssc", "sex": "other"})
    assert list(given["disease"].cat.categories) == ["ssc", "aic", "ms"]
    assert list(given["sex"].cat.categories) == ["female", "male"]


def test_models_use_the_overall_references_in_every_stratum(cohort: pd.DataFrame) -> None:
    frame = cohort.copy()
    frame["disease"] = ["aic" if i < 20 else "ms" if i % 3 else "ssc" for i in range(len(frame))]
    result = standard_outcomes(frame, min_events_per_term=0)  # every model, to see its terms
    terms = set(result.models.loc[result.models["stratum"] == "all", "term"])
    assert "diseaseaic" in terms and "diseasessc" in terms and "diseasems" not in terms
    counts = frame["intensity"].value_counts()
    reference = counts.index[0]
    assert counts.iloc[0] > counts.iloc[1]  # the fixture has one most common intensity
    for stratum in ("all", "ms", "ssc"):
        stratum_terms = set(result.models.loc[result.models["stratum"] == stratum, "term"])
        assert f"intensity{reference}" not in stratum_terms
        assert {f"intensity{level}" for level in counts.index[1:]} <= stratum_terms


def test_a_model_with_too_few_events_per_term_is_not_fitted(cohort: pd.DataFrame) -> None:
    x = model_frame(cohort)
    terms = design_matrix(x)[0].shape[1]
    deaths = int(cohort["os_event"].sum())
    nrm = int((cohort["cr_cause"] == 2).sum())
    # the threshold set between the two counts: OS is fitted, the two NRM models are not
    assert nrm < deaths, "the fixture has more deaths than non-relapse deaths"
    per_term = (nrm + 1) / terms
    assert deaths >= per_term * terms
    result = standard_outcomes(cohort, per_disease=False, min_events_per_term=per_term)
    fitted = set(zip(result.models["model"], result.models["endpoint"], strict=True))
    assert ("Cox", "OS") in fitted
    assert ("Fine-Gray", "NRM") not in fitted and ("cause-specific Cox", "NRM") not in fitted
    reason = f"{nrm} events for {terms} terms (fewer than {per_term:g} per term)"
    assert f"Fine-Gray NRM (all): not computed — {reason}" in [str(note) for note in result.notes]
