"""The proportional hazards tests beside the Cox models of the outcome analysis equal R's
``cox.zph(coxph(...), transform = "km")`` on the same cohort, coded as the analysis codes it
(tests/reference/ph_report/make_reference.R), and the residuals kept for the plots of the failing terms
are R's ``cox.zph`` ones (per term, a factor's levels collapsed), with the smooth ``plot.cox.zph`` draws
through them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from remission.analysis.outcomes import (
    PH_ALPHA,
    PH_COLUMNS,
    PH_RESIDUAL_COLUMNS,
    PH_SMOOTH_COLUMNS,
    OutcomeAnalysis,
    fit_models,
    fit_stratum_models,
    standard_outcomes,
)

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "ph_report"
ERAS = ["2000-2009", "2010-2019", "2020-2029"]
# R's endpoint names -> the analysis' (model, endpoint)
MODELS = {"OS": ("Cox", "OS"), "PFS": ("Cox", "PFS"), "NRM": ("cause-specific Cox", "NRM")}


def load_cohort() -> pd.DataFrame:
    frame = pd.read_csv(REFERENCE / "data.csv", keep_default_na=False, na_values={"intensity": [""]})
    frame["era"] = pd.Categorical(frame["era"], categories=ERAS, ordered=True)
    frame["experienced"] = frame["experienced"].astype(bool)
    frame["infusion_date"] = pd.to_datetime(frame["infusion_date"])
    frame["last_contact"] = pd.to_datetime(frame["last_contact"])
    return frame


@pytest.fixture(scope="module")
def analysis() -> OutcomeAnalysis:
    return standard_outcomes(load_cohort(), min_patients=200)


def reference(name: str) -> pd.DataFrame:
    frame = pd.read_csv(REFERENCE / name, keep_default_na=False)
    frame["model"] = frame["endpoint"].map(lambda e: MODELS[e][0])
    frame["endpoint"] = frame["endpoint"].map(lambda e: MODELS[e][1])
    return frame


def panel_of(frame: pd.DataFrame, stratum: str, model: str, endpoint: str, term: str) -> pd.DataFrame:
    """The rows of one residual plot's panel."""
    return frame[
        (frame["stratum"] == stratum)
        & (frame["model"] == model)
        & (frame["endpoint"] == endpoint)
        & (frame["term"] == term)
    ]


def test_the_models_are_coded_as_in_r(analysis: OutcomeAnalysis) -> None:
    expected = reference("coef.csv")
    models = analysis.models[analysis.models["model"] != "Fine-Gray"]
    got = models.merge(expected, on=["stratum", "model", "endpoint", "term"], how="outer", indicator=True)
    assert (got["_merge"] == "both").all(), got[got["_merge"] != "both"]
    # tolerance 1e-6 relative on the hazard ratios (Newton-Raphson converged to coxph's 1e-9)
    np.testing.assert_allclose(got["hazard_ratio"], np.exp(got["coef"]), rtol=1e-6, atol=0)


def test_the_ph_table_equals_cox_zph(analysis: OutcomeAnalysis) -> None:
    expected = reference("zph_table.csv")
    got = analysis.proportional_hazards
    assert list(got.columns) == list(PH_COLUMNS)
    assert set(got["stratum"]) == {"all", "ms", "ssc"}  # crohn: fewer than 200 patients
    merged = got.merge(expected, on=["stratum", "model", "endpoint", "term"], how="left", validate="1:1")
    mine = merged  # every stratum the analysis tested is in the reference
    assert mine["chisq_y"].notna().all()
    assert len(mine) == len(expected)  # every R row is there
    # tolerance 1e-6 relative (the same sums at coefficients agreeing to ~1e-9)
    np.testing.assert_allclose(mine["chisq_x"], mine["chisq_y"], rtol=1e-6, atol=0)
    np.testing.assert_array_equal(mine["df_x"].astype(int), mine["df_y"].astype(int))
    # tolerance 1e-6 relative, p values down to 1e-33
    np.testing.assert_allclose(mine["p_value"], mine["p"], rtol=1e-6, atol=0)
    # the global row is each model's last
    for _, rows in got.groupby(["stratum", "model", "endpoint"], sort=False):
        assert rows["term"].iloc[-1] == "GLOBAL"


def test_the_residuals_of_failing_terms_are_cox_zph_per_term(analysis: OutcomeAnalysis) -> None:
    expected = reference("zph_terms.csv")
    got = analysis.ph_residuals
    assert list(got.columns) == list(PH_RESIDUAL_COLUMNS)
    key = ["stratum", "model", "endpoint", "term"]
    kept = got[key].drop_duplicates()
    wanted = expected[key].drop_duplicates()
    assert sorted(map(tuple, kept.to_numpy())) == sorted(map(tuple, wanted.to_numpy()))
    assert "disease" in set(wanted["term"])  # a factor of three levels: R's collapsed series
    for (stratum, model, endpoint, term), rows in expected.groupby(key, sort=False):
        mine = panel_of(got, stratum, model, endpoint, term)
        # same deaths in R's order: exact times, transformed times to 1e-12 absolute
        np.testing.assert_array_equal(mine["time"].to_numpy(), rows["time"].to_numpy())
        np.testing.assert_allclose(mine["transformed_time"], rows["x"], rtol=0, atol=1e-12)
        # tolerance 1e-6 absolute on residuals of order 1-10
        np.testing.assert_allclose(mine["residual"], rows["y"], rtol=0, atol=1e-6)
        # tolerance 1e-6 relative on zph$var[j, j] (a collapsed factor's: t(w) vmean w inverted)
        np.testing.assert_allclose(mine["variance"], rows["var"], rtol=1e-6, atol=0)


def test_the_smooths_are_plot_cox_zph_s(analysis: OutcomeAnalysis) -> None:
    expected = reference("zph_smooth.csv")
    got = analysis.ph_smooths
    assert list(got.columns) == list(PH_SMOOTH_COLUMNS)
    key = ["stratum", "model", "endpoint", "term"]
    assert sorted(map(tuple, got[key].drop_duplicates().to_numpy())) == sorted(
        map(tuple, expected[key].drop_duplicates().to_numpy())
    )  # a smooth for every panel R draws, and no other
    for (stratum, model, endpoint, term), rows in expected.groupby(key, sort=False):
        mine = panel_of(got, stratum, model, endpoint, term)
        # tolerance 1e-6 absolute at each of the 40 points (residuals agree to 1e-6, a least-squares fit)
        np.testing.assert_allclose(mine["transformed_time"], rows["x"], rtol=0, atol=1e-6)
        np.testing.assert_allclose(mine["fit"], rows["yhat"], rtol=0, atol=1e-6)
        np.testing.assert_allclose(mine["lower"], rows["lower"], rtol=0, atol=1e-6)
        np.testing.assert_allclose(mine["upper"], rows["upper"], rtol=0, atol=1e-6)


def test_failing_terms_are_those_below_the_threshold(analysis: OutcomeAnalysis) -> None:
    table = analysis.proportional_hazards
    failing = table[(table["term"] != "GLOBAL") & (table["p_value"] < PH_ALPHA)]
    got = analysis.ph_residuals[["stratum", "model", "endpoint", "term"]].drop_duplicates()
    assert sorted(map(tuple, got.to_numpy())) == sorted(
        map(tuple, failing[["stratum", "model", "endpoint", "term"]].to_numpy())
    )
    # the line each panel is drawn at: a one-column term's fitted coefficient (its design column named),
    # 1 for a factor of several levels (R adds 1 to the collapsed series), with its number of columns
    models = analysis.models.set_index(["stratum", "model", "endpoint", "term"])
    tests = table.set_index(["stratum", "model", "endpoint", "term"])
    panels = analysis.ph_residuals.drop_duplicates(["stratum", "model", "endpoint", "term"])
    assert set(panels["df"]) == {1, 2, 3}  # both kinds are among the failing terms (intensity: 3)
    for r in panels.itertuples():
        assert r.df == tests.at[(r.stratum, r.model, r.endpoint, r.term), "df"]
        if r.df == 1:
            ratio = models.at[(r.stratum, r.model, r.endpoint, r.column), "hazard_ratio"]
            np.testing.assert_allclose(np.exp(r.coef), ratio, rtol=1e-12, atol=0)  # the same number, exp'd
        else:
            assert (r.column, r.coef) == (r.term, 1.0)


def test_a_stricter_threshold_keeps_fewer_residuals() -> None:
    frame = load_cohort()
    loose = fit_stratum_models(frame, ph_alpha=0.05)
    strict = fit_stratum_models(frame, ph_alpha=1e-10)
    assert set(strict.ph_residuals["term"]) == {"disease"}  # p ~ 1e-21 .. 1e-33; intensity's 0.007 is out
    assert set(loose.ph_residuals["term"]) == {"disease", "intensity", "experienced"}
    pd.testing.assert_frame_equal(loose.proportional_hazards, strict.proportional_hazards)


def test_fit_models_keeps_its_return() -> None:
    frame = load_cohort()
    table, notes = fit_models(frame)
    pd.testing.assert_frame_equal(table, fit_stratum_models(frame).models)
    assert isinstance(notes, list)


def test_a_ph_test_that_cannot_be_computed_is_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    from remission.analysis import outcomes
    from remission.survival import SurvivalInputError

    def fail(*args: object, **kwargs: object) -> None:
        raise SurvivalInputError("transform 'km' gives a missing value at row 3")

    monkeypatch.setattr(outcomes, "proportional_hazards_test", fail)
    fitted = fit_stratum_models(load_cohort())
    assert fitted.proportional_hazards.empty
    assert len(fitted.models) > 0
    ph_notes = [str(note) for note in fitted.notes if str(note).startswith("PH test")]
    assert ph_notes == [
        f"PH test of the {what} model (all): not computed — transform 'km' gives a missing value at row 3"
        for what in ("Cox OS", "Cox PFS", "cause-specific Cox NRM")
    ]
