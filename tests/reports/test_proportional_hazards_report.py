"""The proportional hazards blocks beside the Cox models: the table prints the analysis' numbers, a
figure appears for exactly the models with a covariate that fails the test, a panel per such covariate
(none when all pass), and each panel draws the analysis's residuals, smooth and coefficient (the smooth
is checked against R in tests/survival/test_zph_smooth.py and tests/analysis/test_outcomes_ph.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from remission.analysis.outcomes import OutcomeAnalysis, reference_levels, standard_outcomes
from remission.reports.document import FigureBlock, Paragraph, Table
from remission.reports.proportional_hazards import (
    GID_COEF,
    GID_RESIDUAL,
    GID_SMOOTH,
    ph_blocks,
    ph_figures,
    ph_table,
    plot_ph_residuals,
)

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "ph_report"
COVARIATES = ("age", "sex", "disease")


def cohort(*, reverses: bool, n: int = 700, seed: int = 11) -> pd.DataFrame:
    """Exponential times; with ``reverses``, systemic sclerosis has 5 times the hazard of death in the
    first year and a fifth of it after (a hazard ratio that reverses), otherwise every effect is constant."""
    rng = np.random.default_rng(seed)
    disease = rng.choice(["ms", "ssc"], n, p=[0.55, 0.45])
    sex = rng.choice(["female", "male"], n)
    age = rng.uniform(18, 65, n)
    rate = np.exp(0.2 * (age - 40) / 10 + 0.3 * (sex == "male") + 0.4 * (disease == "ssc")) / 1500
    u = rng.exponential(size=n)
    if reverses:
        early = np.where(disease == "ssc", 5.0, 1.0)
        first = rate * early * 365
        death = np.where(u < first, u / (rate * early), 365 + (u - first) * early / rate)
    else:
        death = u / rate
    censor = rng.uniform(200, 4000, n)
    days = np.maximum(1, np.round(np.minimum(death, censor)))
    event = (death <= censor).astype(int)
    infusion = pd.Timestamp("2005-01-01") + pd.to_timedelta(rng.integers(0, 5000, n), unit="D")
    return pd.DataFrame(
        {
            "registry_id": [f"P{i:04d}" for i in range(n)],
            "centre": rng.choice(["a", "b"], n),
            "disease": disease,
            "sex": sex,
            "age": age,
            "infusion_date": infusion,
            "os_days": days,
            "os_event": event,
            "pfs_days": days,
            "pfs_event": event,
            "cr_days": days,
            "cr_cause": np.where(event == 1, 2, 0),  # every death before relapse: NRM
            "last_contact": infusion + pd.to_timedelta(days, unit="D"),
        }
    )


def analysed(frame: pd.DataFrame) -> OutcomeAnalysis:
    return standard_outcomes(frame, per_disease=False, covariates=COVARIATES)


@pytest.fixture(scope="module")
def failing() -> OutcomeAnalysis:
    return analysed(cohort(reverses=True))


@pytest.fixture(scope="module")
def passing() -> OutcomeAnalysis:
    return analysed(cohort(reverses=False, seed=12))


def by_hand_p(p: float) -> str:
    if p < 0.001:
        return "<0.001"
    if p >= 0.1:
        return f"{p:.2f}"
    return f"{p:.2g}" if p >= 0.01 else f"{p:.3f}"


def test_the_table_prints_the_analysis_numbers(failing: OutcomeAnalysis) -> None:
    references = reference_levels(cohort(reverses=True), COVARIATES)
    table = ph_table(failing.proportional_hazards, references=references)
    assert table.header == ("Term", "Chi-square", "df", "p")
    words = {
        "age_per_10y": "Age (per 10 years)",
        "sex": "Sex",
        "disease": "Disease",
        "GLOBAL": "Global (all terms)",
    }
    expected: list[tuple[str, ...]] = []
    headings = {
        ("Cox", "OS"): "Overall survival — Cox model",
        ("Cox", "PFS"): "Progression-free survival — Cox model",
        ("cause-specific Cox", "NRM"): "Non-relapse mortality — cause-specific Cox model",
    }
    for (model, endpoint), rows in failing.proportional_hazards.groupby(["model", "endpoint"], sort=False):
        expected.append((headings[(model, endpoint)], "", "", ""))
        for r in rows.itertuples():
            expected.append((words[r.term], f"{r.chisq:.2f}", str(int(r.df)), by_hand_p(r.p_value)))
    assert table.rows == tuple(expected)
    assert table.group_rows == (0, 5, 10)  # a heading, 3 covariates and the global test per model
    assert table.data is failing.proportional_hazards  # the CSV: unrounded, every stratum


def test_a_figure_per_model_with_a_failing_covariate(failing: OutcomeAnalysis) -> None:
    table = failing.proportional_hazards
    fails = table[(table["term"] != "GLOBAL") & (table["p_value"] < failing.ph_alpha)]
    # the data were made so: disease's hazard ratio reverses after a year, in every model (all deaths)
    assert ("Cox", "OS", "disease") in set(map(tuple, fails[["model", "endpoint", "term"]].to_numpy()))
    figures = ph_figures(failing.ph_residuals, failing.ph_smooths, table)
    slug = {"Cox": "cox", "cause-specific Cox": "cause-specific-cox"}
    models = list(dict.fromkeys(zip(fails["model"], fails["endpoint"], strict=True)))
    assert [f.name for f in figures] == [
        f"ph-all-{slug[model]}-{endpoint.lower()}" for model, endpoint in models
    ]
    words = {"age_per_10y": "Age (per 10 years)", "sex": "Sex", "disease": "Disease"}
    for figure, (model, endpoint) in zip(figures, models, strict=True):
        assert figure.png.startswith(b"\x89PNG")
        mine = fails[(fails["model"] == model) & (fails["endpoint"] == endpoint)]
        tests = "; ".join(f"{words[r.term]} p {by_hand_p(r.p_value)}" for r in mine.itertuples())
        assert figure.caption.endswith(f"Tests of proportional hazards: {tests}.")


def test_the_panels_draw_residuals_smooth_and_coefficient(failing: OutcomeAnalysis) -> None:
    panels = failing.ph_residuals
    panels = panels[(panels["model"] == "Cox") & (panels["endpoint"] == "OS")]
    smooths = failing.ph_smooths
    smooths = smooths[(smooths["model"] == "Cox") & (smooths["endpoint"] == "OS")]
    fig = plot_ph_residuals(panels, smooths, title="OS")
    axes = [ax for ax in fig.axes if ax.get_visible()]
    terms = list(dict.fromkeys(panels["term"]))
    assert len(axes) == len(terms)  # a panel per failing covariate
    ax = axes[terms.index("disease")]
    disease = panels[panels["term"] == "disease"]
    assert ax.get_title(loc="left") == "Disease: Systemic sclerosis"  # two levels: one column, named
    (points,) = [c for c in ax.collections if c.get_gid() == GID_RESIDUAL]
    np.testing.assert_array_equal(points.get_offsets()[:, 1], disease["residual"].to_numpy())  # exact
    (line,) = [line for line in ax.lines if line.get_gid() == GID_COEF]
    np.testing.assert_array_equal(line.get_ydata(), [disease["coef"].iloc[0]] * 2)  # exact
    (smooth,) = [line for line in ax.lines if line.get_gid() == GID_SMOOTH]
    assert len(smooth.get_xdata()) == 40
    expected = smooths[smooths["term"] == "disease"]["fit"].to_numpy()
    np.testing.assert_array_equal(smooth.get_ydata(), expected)  # the analysis's, exact


def test_a_factor_of_several_levels_is_one_panel_at_1() -> None:
    rng = np.random.default_rng(3)
    time = np.sort(rng.uniform(1, 3000, 60))
    panels = pd.DataFrame(
        {
            "term": "intensity",
            "column": "intensity",
            "df": 3,
            "coef": 1.0,
            "time": time,
            "transformed_time": time / 3000,
            "residual": rng.normal(1.0, 1.0, 60),
        }
    )
    no_smooth = pd.DataFrame(columns=["term", "transformed_time", "fit", "lower", "upper"])
    fig = plot_ph_residuals(panels, no_smooth, title="OS")
    (ax,) = [ax for ax in fig.axes if ax.get_visible()]
    assert ax.get_title(loc="left") == "Conditioning intensity"  # the factor, not one of its levels
    assert ax.get_ylabel() == "Multiple of the fitted effect"
    (line,) = [line for line in ax.lines if line.get_gid() == GID_COEF]
    np.testing.assert_array_equal(line.get_ydata(), [1.0, 1.0])


def test_no_figure_when_every_covariate_passes(passing: OutcomeAnalysis) -> None:
    table = passing.proportional_hazards
    assert len(table) == 12  # the three Cox models were tested
    assert (table["p_value"] >= passing.ph_alpha).all()  # the data were made so (constant effects)
    assert passing.ph_residuals.empty
    blocks = ph_blocks(passing, {})
    assert [type(b) for b in blocks] == [Table, Paragraph]
    assert passing.ph_smooths.empty
    assert ph_figures(passing.ph_residuals, passing.ph_smooths, table) == []


def test_the_blocks_are_table_figures_note(failing: OutcomeAnalysis) -> None:
    blocks = ph_blocks(failing, {})
    assert isinstance(blocks[0], Table)
    assert all(isinstance(b, FigureBlock) for b in blocks[1:-1])
    assert isinstance(blocks[-1], Paragraph) and blocks[-1].note
    assert "p < 0.05" in blocks[-1].text
    assert ph_blocks(failing, {}, stratum="ssc") == []  # no models in that stratum


def test_a_large_panel_draws_a_sample_of_its_residuals() -> None:
    from remission.reports.proportional_hazards import MAX_POINTS_DRAWN

    n = MAX_POINTS_DRAWN * 3
    rng = np.random.default_rng(7)
    time = np.sort(rng.uniform(1, 3000, n))
    panels = pd.DataFrame(
        {
            "term": "age_per_10y",
            "column": "age_per_10y",
            "df": 1,
            "time": time,
            "transformed_time": time / 3000,
            "residual": rng.normal(0.1, 1.0, n),
            "coef": 0.1,
            "variance": 0.01,
        }
    )
    no_smooth = pd.DataFrame(columns=["term", "transformed_time", "fit", "lower", "upper"])
    fig = plot_ph_residuals(panels, no_smooth, title="age")
    ax = next(ax for ax in fig.axes if ax.get_visible())
    (points,) = [c for c in ax.collections if c.get_gid() == GID_RESIDUAL]
    drawn = points.get_offsets()[:, 1]
    assert len(drawn) == MAX_POINTS_DRAWN
    assert set(drawn) <= set(panels["residual"])  # a sample of the residuals, none made up
    assert not [line for line in ax.lines if line.get_gid() == GID_SMOOTH]  # none given, none drawn
