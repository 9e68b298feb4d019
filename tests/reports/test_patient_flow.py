"""The report says exactly who is in it (issue 22, item 2): the patient flow as a figure and a table with
the flow's own counts, the cohort facts and the cut-off labelled by their rule, a truthful title, and a
section of its own for CAR-T.

The flow is made here by hand (172 in the registry = 160 analysed + 10 CAR-T + 2 after the cut-off), so
every number the report prints is one this test knows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from remission.analysis import AnalysisSet
from remission.analysis.cell_therapy import other_cell_therapies
from remission.analysis.flow import CUTOFF_EXTRACTION, DataCutoff, FlowStep, PatientFlow
from remission.analysis.results import compute_outcomes
from remission.reports.document import Document, FigureBlock, KeyValues, Paragraph, Table
from remission.reports.outcomes_report import build_document
from tests.analysis.test_cell_therapy import COURSES
from tests.reports.conftest import CUTOFF

FLOW = PatientFlow(
    in_registry=172,
    steps=(
        FlowStep("no_infusion", "No infusion recorded", 0),
        FlowStep("other_product:car_t", "CAR-T cells, no autologous HSCT", 10),
        FlowStep("infused_after_cutoff", "Autologous HSCT after the data cut-off (2024-12-31)", 2),
        FlowStep("death_before_infusion", "Death recorded before the infusion (contradictory records)", 0),
    ),
    analysed=160,
    selection="autologous HSCT",
    cutoff=DataCutoff(CUTOFF, CUTOFF_EXTRACTION),
)


@pytest.fixture(scope="module")
def document(analysis_set: AnalysisSet) -> Document:
    with_flow = dataclasses.replace(analysis_set, flow=FLOW)
    car_t = other_cell_therapies(COURSES, cutoff=dt.date(2024, 1, 1))
    results = compute_outcomes(with_flow, by="disease", cell_therapy=car_t)
    return build_document(results, generated=dt.date(2025, 1, 2))


def test_the_flow_comes_first_as_a_figure_and_a_table(document: Document) -> None:
    first = document.sections[0]
    assert first.title == "Patient flow"
    figure = next(b for b in first.blocks if isinstance(b, FigureBlock))
    assert figure.name == "patient-flow" and figure.png.startswith(b"\x89PNG")
    assert "172 patients in the registry" in figure.caption and "160 analysed" in figure.caption
    table = next(b for b in first.blocks if isinstance(b, Table))
    assert [(row[0], row[2]) for row in table.rows] == [
        ("In the registry", "172"),
        ("Left out", "0"),
        ("Left out", "10"),
        ("Left out", "2"),
        ("Left out", "0"),
        ("Analysed", "160"),
    ]
    assert list(table.data["n"]) == [172, 0, 10, 2, 0, 160]


def test_the_cohort_facts_say_who_is_in_it(document: Document) -> None:
    cohort = next(s for s in document.sections if s.title == "Cohort")
    facts = dict(next(b for b in cohort.blocks if isinstance(b, KeyValues)).items)
    assert facts["In the registry"] == "172 patients (every centre)"
    assert facts["Left out"] == (
        "12 (CAR-T cells, no autologous HSCT: 10; Autologous HSCT after the data cut-off (2024-12-31): 2)"
    )
    assert facts["Cohort filters"] == "none"
    assert facts["Data cut-off"] == "2024-12-31 (date of data extraction, the default)"
    assert "Cohort" not in facts  # the old "every patient in the registry"


def test_the_title_is_the_main_analysis(document: Document) -> None:
    assert document.title == "Outcomes after autologous HSCT in autoimmune disease"


def test_car_t_has_its_own_section(document: Document) -> None:
    section = next(s for s in document.sections if s.anchor == "cell-therapy")
    texts = [b.text for b in section.blocks if isinstance(b, Paragraph)]
    assert "CAR-T cells: 4 patients." in texts
    assert any(text.startswith("Small numbers: 4 patients.") for text in texts)
    toxicity = next(b for b in section.blocks if isinstance(b, Table) and "CRS and ICANS" in b.caption)
    crs = toxicity.data.query("category == 'crs'").set_index("worst_grade")["n"]
    assert (crs["none"], crs["1"], crs["2"], crs["not graded"]) == (1, 1, 1, 1)
    icans = toxicity.data.query("category == 'icans'").set_index("worst_grade")["n"]
    assert (icans["none"], icans["3"]) == (3, 1)
    assert any(isinstance(b, FigureBlock) and b.name == "car_t-survival" for b in section.blocks)


def test_the_methods_state_the_group_rule_and_the_cut_off(document: Document) -> None:
    methods = " ".join(
        b.text
        for s in document.sections
        if s.anchor == "methods"
        for b in s.blocks
        if isinstance(b, Paragraph)
    )
    assert "at least 10 patients" in methods and "the same groups are used for the tests" in methods.lower()
    assert "Data cut-off: 2024-12-31 (date of data extraction, the default)" in methods
