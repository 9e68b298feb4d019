"""The report's section *Completeness of follow-up*: Clark's C per centre worked by hand, a total row that
accounts for every analysed patient and equals the report's overall Clark's C (Table 5)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from remission.analysis import AnalysisSet
from remission.analysis.completeness import clark_by_centre
from remission.analysis.results import compute_outcomes
from remission.reports.completeness_section import TITLE, completeness_section
from remission.reports.outcomes_report import build_document

CUTOFF = dt.date(2024, 12, 31)


def test_per_centre_by_hand() -> None:
    # north: day 0 2024-01-01, alive, last contact 182 days later; day 0 2024-03-01, died on day 70
    #        -> observed 182 + 70 = 252, potential 365 (2024-01-01 -> 2024-12-31) + 70 = 435
    # south: day 0 2024-10-01, seen on the cut-off (day 91) -> 91 / 91
    frame = pd.DataFrame(
        {
            "centre": ["north", "north", "south"],
            "infusion_date": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-10-01"]),
            "os_days": [182, 70, 91],
            "os_event": [0, 1, 0],
        }
    )
    table = clark_by_centre(frame, cutoff=CUTOFF).set_index("centre")
    assert table.loc[
        "north", ["patients", "deaths", "observed_person_days", "potential_person_days"]
    ].tolist() == [
        2,
        1,
        252,
        435,
    ]
    assert table.loc["north", "clark_c"] == pytest.approx(252 / 435)
    assert table.loc["south", "clark_c"] == 1.0
    assert table.loc["all", ["patients", "observed_person_days", "potential_person_days"]].tolist() == [
        3,
        343,
        526,
    ]
    section = completeness_section(clark_by_centre(frame, cutoff=CUTOFF), analysed=len(frame))
    rows = section.blocks[0].rows
    assert rows[0] == ("north", "2", "1", "0.7", "1.2", "57.9%")  # 252/365.25 = 0.69 y; 435/365.25 = 1.19 y
    assert rows[-1][0] == "All centres" and rows[-1][1] == "3"
    assert "All 3 analysed patients are counted here: 3 in the rows above." in section.blocks[1].text


def test_the_report_has_the_section_and_it_agrees_with_table_5(analysis_set: AnalysisSet) -> None:
    results = compute_outcomes(analysis_set, by=None)
    document = build_document(results)
    section = next(s for s in document.sections if s.title == TITLE)
    data = section.blocks[0].data.set_index("centre")
    assert data.loc["all", "patients"] == len(analysis_set.frame)  # every analysed patient
    assert data.drop(index="all")["patients"].sum() == len(analysis_set.frame)
    overall = results.outcomes.follow_up.set_index("stratum").loc["all"]
    assert data.loc["all", "clark_c"] == pytest.approx(overall["clark_c"], abs=1e-12)
    assert data.loc["all", "observed_person_days"] == overall["observed_person_days"]
