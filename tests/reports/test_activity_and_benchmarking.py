"""The report's disease-activity, immune-reconstitution and centre-benchmarking parts, on hand-built data.

Expected numbers are worked out here from the values written (medians and quartiles by hand, events
counted per centre), not taken from the code under test.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from remission.analysis import AnalysisSet
from remission.analysis.longitudinal import Measurements, measurements_from
from remission.analysis.results import OutcomesResults, compute_outcomes
from remission.reports.bundle import write_tables
from remission.reports.document import Document, FigureBlock, Table
from remission.reports.html import render_html
from remission.reports.outcomes_report import build_document
from remission.reports.pdf import render_pdf
from tests.reports.conftest import CUTOFF, cohort_frame

N_SSC = 60  # patients with each score: enough for a trajectory plot (50)


def _measurements(frame: pd.DataFrame) -> Measurements:
    """60 SSc patients: mRSS 30/31/32 before the infusion, 25 at six months and 20 at one year; CD4
    100 + 10 i and CD8 0.2 ×10⁹/L at day 30;
    one MS patient with an mRSS (not counted: mRSS measures SSc); and EDSS for 60 MS patients."""
    ssc = frame[frame["disease"] == "ssc"].head(N_SSC)
    ms = frame[frame["disease"] == "ms"].head(N_SSC + 1)
    day0 = {r: pd.Timestamp(d) for r, d in zip(frame["registry_id"], frame["infusion_date"], strict=True)}
    scores, labs = [], []
    for i, rid in enumerate(ssc["registry_id"]):
        scores.append((rid, day0[rid] - pd.Timedelta(days=10), "mrss", 30.0 + i % 3))
        scores.append((rid, day0[rid] + pd.Timedelta(days=182), "mrss", 25.0))
        scores.append((rid, day0[rid] + pd.Timedelta(days=365), "mrss", 20.0))
        labs.append((rid, day0[rid] + pd.Timedelta(days=30), "cd4", 100.0 + 10 * i, "cells/uL"))
        labs.append((rid, day0[rid] + pd.Timedelta(days=30), "cd8", 0.2, "10^9/L"))
    for i, rid in enumerate(ms["registry_id"]):
        if i == N_SSC:
            scores.append((rid, day0[rid] + pd.Timedelta(days=365), "mrss", 50.0))
            continue
        for years, edss in ((0, 3.0), (1, 3.0), (2, 3.5)):
            scores.append((rid, day0[rid] + pd.Timedelta(days=round(365.25 * years) + 1), "edss", edss))
    raw_scores = pd.DataFrame(scores, columns=["patient", "date", "instrument", "score"])
    raw_labs = pd.DataFrame(labs, columns=["patient", "date", "analyte", "value", "unit"])
    return measurements_from(frame[["registry_id", "infusion_date", "disease"]], raw_scores, raw_labs)


@pytest.fixture(scope="module")
def three_centres() -> AnalysisSet:
    frame = cohort_frame(n=240, seed=11)
    frame["centre"] = np.resize(["north", "south", "west"], len(frame))
    findings = pd.DataFrame(columns=["registry_id", "rule", "message"])
    return AnalysisSet(frame=frame, findings=findings, excluded=(), cutoff=CUTOFF)


@pytest.fixture(scope="module")
def results(three_centres: AnalysisSet) -> OutcomesResults:
    return compute_outcomes(three_centres, by="disease", measurements=_measurements(three_centres.frame))


@pytest.fixture(scope="module")
def document(results: OutcomesResults) -> Document:
    return build_document(results)


def _table(document: Document, csv_name: str) -> Table:
    return next(t for t in document.tables() if t.csv_name == csv_name)


def test_the_sections_in_order(document: Document) -> None:
    assert [s.title for s in document.sections] == [
        "Cohort",
        "Survival",
        "Survival by disease",
        "Relapse and non-relapse mortality",
        "Course after infusion: a multi-state view",
        "Estimates",
        "Disease activity and immune reconstitution",
        "Survival by response at a landmark",
        "Multivariable models",
        "Follow-up and centres",
        "Completeness of follow-up",
        "Centre benchmarking",
        "Data quality",
        "Methods",
    ]


def test_score_windows_by_hand(document: Document) -> None:
    table = _table(document, "score_trajectories.csv")
    data = table.data.set_index(["instrument", "bin"])
    # before: 30, 31, 32 twenty times each -> median 31, quartiles 30 and 32 (60 patients; the MS
    # patient's mRSS is not counted); at one year (bin 2 of 6-month windows) every patient has 20
    assert tuple(data.loc[("mrss", -1), ["n", "median", "q1", "q3"]]) == (60, 31.0, 30.0, 32.0)
    assert tuple(data.loc[("mrss", 2), ["n", "median", "q1", "q3"]]) == (60, 20.0, 20.0, 20.0)
    assert tuple(data.loc[("edss", 4), ["n", "median"]]) == (60, 3.5)
    row = next(r for r in table.rows if r[0].startswith("Modified Rodnan skin score"))
    assert row[1] == "31.0 (30.0–32.0), n 60"
    assert row[2] == "25.0 (25.0–25.0), n 60"
    assert row[3] == "20.0 (20.0–20.0), n 60"


def test_immune_months_by_hand(document: Document) -> None:
    table = _table(document, "immune_reconstitution.csv")
    data = table.data.set_index(["analyte", "bin"])
    # day 30 is month 1; CD4 100, 110, …, 690: median 100 + 10 × 29.5 = 395, quartiles (linear, at
    # positions 14.75 and 44.25 of 0…59) 247.5 and 542.5
    assert tuple(data.loc[("cd4", 1), ["n", "median", "q1", "q3"]]) == (60, 395.0, 247.5, 542.5)
    # CD8 0.2 ×10⁹/L = 200 cells/µL; the ratio CD4/CD8 = (100 + 10 i)/200, median 395/200
    assert data.loc[("cd8", 1), "median"] == pytest.approx(200.0)
    assert data.loc[("cd4_cd8_ratio", 1), "median"] == pytest.approx(395.0 / 200.0)
    assert set(table.data.loc[table.data["analyte"] == "cd4", "unit"]) == {"cells/uL"}


def test_activity_figures(document: Document) -> None:
    names = [f.name for f in document.figures()]
    assert "trajectory-mrss" in names and "trajectory-edss" in names and "immune-reconstitution" in names
    assert all(isinstance(f, FigureBlock) and f.png.startswith(b"\x89PNG") for f in document.figures())


def test_benchmarking_counts_events_per_centre(results: OutcomesResults, document: Document) -> None:
    frame = results.frame
    table = _table(document, "benchmarking.csv").data
    os_1y = table[table["endpoint"] == "os_1y"].set_index("centre")
    for centre, rows in frame.groupby("centre"):
        deaths = int(((rows["os_event"] == 1) & (rows["os_days"] <= 365.25)).sum())
        assert os_1y.loc[centre, "observed"] == deaths
        assert os_1y.loc[centre, "n"] == len(rows)
    # expected events add up to the observed over the cohort (Cox martingale residuals sum to 0)
    sums = table.groupby("endpoint")[["observed", "expected"]].sum()
    np.testing.assert_allclose(sums["expected"], sums["observed"], rtol=1e-8)
    assert any(f.name == "funnel-os_1y" for f in document.figures())


def test_no_benchmarking_with_two_centres(analysis_set: AnalysisSet) -> None:
    results = compute_outcomes(analysis_set, by="disease")
    assert results.benchmarks is None and results.activity is None
    titles = [s.title for s in build_document(results).sections]
    assert "Centre benchmarking" not in titles and "Disease activity and immune reconstitution" not in titles


def test_no_measurement_gives_a_sentence(three_centres: AnalysisSet) -> None:
    empty = measurements_from(
        three_centres.frame[["registry_id", "infusion_date", "disease"]],
        pd.DataFrame(columns=["patient", "date", "instrument", "score"]),
        pd.DataFrame(columns=["patient", "date", "analyte", "value", "unit"]),
    )
    results = compute_outcomes(three_centres, by="disease", measurements=empty)
    section = next(s for s in build_document(results).sections if s.anchor == "activity")
    assert "No disease-activity score or laboratory value" in section.blocks[0].text  # type: ignore[union-attr]


def test_html_pdf_and_csvs(document: Document, tmp_path: Path) -> None:
    html = render_html(document)
    assert "Disease activity and immune reconstitution" in html and "Centre benchmarking" in html
    assert 'id="figure-funnel-nrm_1y"' in html or 'id="figure-funnel-os_1y"' in html
    assert render_pdf(document).startswith(b"%PDF")
    names = set(zipfile.ZipFile(write_tables(document, tmp_path / "report-tables.zip")).namelist())
    assert {"score_trajectories.csv", "immune_reconstitution.csv", "benchmarking.csv"} <= names
