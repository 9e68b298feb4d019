"""The outcomes report: self-contained HTML, a PDF, CSVs — and its numbers are the engine's."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from remission.analysis import AnalysisSet
from remission.analysis.results import OutcomesResults, compute_outcomes
from remission.reports.bundle import write_tables
from remission.reports.document import Document, KeyValues, Paragraph, Section, Table
from remission.reports.html import render_html
from remission.reports.outcomes_report import build_document
from remission.reports.pdf import render_pdf
from remission.survival import aalen_johansen, kaplan_meier

YEAR = 365.25


def _percent_ci(estimate: float, lower: float, upper: float) -> str:
    """Written out here on purpose (not the report's formatter): 1 decimal, en dash."""
    return f"{100 * estimate:.1f}% ({100 * lower:.1f}–{100 * upper:.1f})"


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


@pytest.fixture(scope="module")
def results(analysis_set: AnalysisSet) -> OutcomesResults:
    return compute_outcomes(analysis_set, by="disease")


@pytest.fixture(scope="module")
def document(results: OutcomesResults) -> Document:
    return build_document(results, filters=(("Disease", "Systemic sclerosis, Multiple sclerosis"),))


@pytest.fixture(scope="module")
def html(document: Document) -> str:
    return render_html(document, tables_file="report-tables.zip")


def test_html_is_self_contained(html: str) -> None:
    assert html.startswith("<!DOCTYPE html>")
    assert "<style>" in html and "<link" not in html and "<script" not in html
    references = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert references, "the report has images and a table of contents"
    assert all(ref.startswith(("data:image/png;base64,", "#")) for ref in references)
    assert "http://" not in html and "https://" not in html and "url(" not in html


def test_html_estimates_are_the_survival_engines(analysis_set: AnalysisSet, html: str) -> None:
    frame = analysis_set.frame
    os_fit = kaplan_meier(frame["os_days"].to_numpy(float), frame["os_event"].to_numpy())
    at = os_fit.at([YEAR, 5 * YEAR])
    for i in range(2):
        assert _percent_ci(at.estimate[i], at.lower[i], at.upper[i]) in html
    ssc = frame[frame["disease"] == "ssc"]
    nrm = aalen_johansen(ssc["cr_days"].to_numpy(float), ssc["cr_cause"].to_numpy()).at([5 * YEAR], cause=2)
    assert _percent_ci(nrm.estimate[0], nrm.lower[0], nrm.upper[0]) in html


def test_html_has_every_part(document: Document, html: str) -> None:
    titles = [s.title for s in document.sections]
    assert titles == [
        "Cohort",
        "Survival",
        "Survival by disease",
        "Relapse and non-relapse mortality",
        "Course after infusion: a multi-state view",
        "Estimates",
        "Survival by response at a landmark",
        "Multivariable models",
        "Follow-up and centres",
        "Completeness of follow-up",
        "Data quality",
        "Methods",
    ]
    for text in (
        "Data cut-off",
        "2024-12-31",
        "Table 1.",
        "Kaplan-Meier",
        "Aalen-Johansen",
        "Efron",
        "cmprsk::crr",
        "Clark",
        "landmark method (Anderson",
        "alive_after_death",
        f"NumPy {np.__version__}",
    ):
        assert text in html, text
    assert len(re.findall(r"<img ", html)) == len(document.figures())


def test_csv_archive_holds_the_unrounded_estimates(
    analysis_set: AnalysisSet, document: Document, tmp_path: Path
) -> None:
    path = write_tables(document, tmp_path / "r-tables.zip", notes=("a note",))
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        estimates = pd.read_csv(io.BytesIO(archive.read("estimates.csv")))
        assert archive.read("notes.txt").decode() == "a note\n"
    assert {"table1.csv", "estimates.csv", "models.csv", "follow_up.csv", "findings.csv"} <= names
    frame = analysis_set.frame
    os_fit = kaplan_meier(frame["os_days"].to_numpy(float), frame["os_event"].to_numpy())
    row = estimates[
        (estimates.stratum == "all")
        & (estimates.group == "all")
        & (estimates.endpoint == "OS")
        & (estimates.timepoint == "1 year")
    ]
    assert row["estimate"].item() == pytest.approx(os_fit.at([YEAR]).estimate[0], rel=1e-12)


def test_pdf_one_page_per_short_section() -> None:
    table = Table(caption="A table", header=("a", "b"), rows=(("1", "2"),), numeric_columns=(1,))
    document = Document(
        title="T",
        subtitle="S",
        sections=(
            Section("One", (Paragraph("text"), KeyValues((("k", "v"),))), "one"),
            Section("Two", (table,), "two"),
            Section("Three", (Paragraph("more", note=True),), "three"),
        ),
    )
    pdf = render_pdf(document)
    assert pdf.startswith(b"%PDF")
    assert _pages(pdf) == 3


def test_full_report_pdf(document: Document) -> None:
    pdf = render_pdf(document)
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    assert _pages(pdf) >= len(document.sections)


def test_landmark_section_prints_the_analysis(results: OutcomesResults, html: str) -> None:
    estimates = results.landmark.estimates
    assert not estimates.empty
    finite = estimates.dropna(subset=["lower", "upper"])
    assert len(finite) > 10
    for row in finite.itertuples(index=False):
        assert _percent_ci(row.estimate, row.lower, row.upper) in html
    assert "landmark 6 months" in html and "landmark 12 months" in html


def test_multistate_section_prints_the_state_occupation(results: OutcomesResults, html: str) -> None:
    at = results.multistate.at([YEAR, 5 * YEAR])
    shown = at[at["std_err"] > 0]
    assert len(shown) >= 4
    for row in shown.itertuples(index=False):
        assert _percent_ci(row.probability, row.lower, row.upper) in html
    assert "State occupation probabilities (Aalen-Johansen), stacked" in html


def test_multistate_section_prints_the_transition_models(
    results: OutcomesResults, document: Document
) -> None:
    table = next(t for t in document.tables() if t.csv_name == "transition_models.csv")
    models = results.transitions.table
    assert len(table.rows) == len(models) > 0
    for cells, row in zip(table.rows, models.itertuples(index=False), strict=True):
        assert cells[0] == row.transition
        assert cells[2] == f"{row.hazard_ratio:.2f} ({row.lower:.2f}–{row.upper:.2f})"  # by hand


def test_a_comparison_the_cohort_can_answer_gets_its_section(results: OutcomesResults) -> None:
    """The report's comparison (Cy 200 + ATG vs BEAM + ATG in MS) on the comparison reference data: its
    section follows the models, its methods paragraph cites the target-trial source; a cohort without
    the regimens (this module's) has none."""
    import dataclasses

    from remission.analysis.comparison import compare
    from remission.analysis.results import REPORT_COMPARISONS, _comparisons

    assert results.comparisons == ()
    data = Path(__file__).resolve().parent.parent / "reference" / "comparison" / "data_comparison.csv"
    frame = pd.read_csv(data, keep_default_na=False, na_values=["NA", "nan", ""])
    assert len(_comparisons(frame)) == 1
    with_comparison = dataclasses.replace(results, comparisons=(compare(frame, REPORT_COMPARISONS[0]),))
    document = build_document(with_comparison)
    titles = [s.title for s in document.sections]
    position = titles.index("Cy 200 mg/kg + rabbit ATG vs BEAM + rabbit ATG in multiple sclerosis")
    assert titles[position - 1] == "Multivariable models"
    methods = next(s for s in document.sections if s.title == "Methods")
    assert any(
        "emulation of a target trial (Hernán" in b.text for b in methods.blocks if isinstance(b, Paragraph)
    )
