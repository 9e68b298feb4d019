"""The outcomes report's section *Completeness of follow-up*: Clark's completeness index per centre of the
analysed patients (``analysis/centre_completeness.clark_by_centre``), with a total row that counts every
analysed patient, so that the section accounts for each one the patient flow says was analysed."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from remission.analysis.centre_completeness import clark_by_centre
from remission.reports.document import Paragraph, Section, Table
from remission.reports.numbers import MISSING, format_count, format_number, format_percent

TITLE = "Completeness of follow-up"
DAYS_PER_YEAR = 365.25
NOTE = (
    "Clark's completeness index C = observed ÷ potential person-time (Clark TG, Altman DG, De Stavola BL. "
    "Quantification of the completeness of follow-up. Lancet 2002;359:1309–10). Potential follow-up runs "
    "from day 0 to the data cut-off, or to the death when it is known on or before the cut-off (a death "
    "is complete follow-up); observed follow-up runs from day 0 to the last contact, or to the death. "
    "Forms received in their window and open queries per centre are on the registry's Completeness page."
)
ACCOUNTED = "All {n:,} analysed patients are counted here: {shown:,} in the rows above."


def completeness_table(table: pd.DataFrame) -> Table:
    rows = []
    for r in table.itertuples(index=False):
        rows.append(
            (
                "All centres" if r.centre == "all" else str(r.centre),
                format_count(r.patients),
                format_count(r.deaths),
                format_number(r.observed_person_days / DAYS_PER_YEAR),
                format_number(r.potential_person_days / DAYS_PER_YEAR),
                f"{format_percent(r.clark_c)}%" if np.isfinite(r.clark_c) else MISSING,
            )
        )
    return Table(
        caption="Completeness of follow-up per centre",
        header=("Centre", "Patients", "Deaths", "Observed, years", "Potential, years", "Clark's C"),
        rows=tuple(rows),
        csv_name="completeness.csv",
        data=table,
        numeric_columns=(1, 2, 3, 4, 5),
        group_rows=(len(rows) - 1,),
    )


def completeness_section(frame: pd.DataFrame, *, cutoff: dt.date) -> Section:
    """The section for the analysed ``frame`` (one row per patient) at the report's data cut-off."""
    table = clark_by_centre(frame, cutoff=cutoff)
    shown = int(table.loc[table["centre"] != "all", "patients"].sum())
    blocks = (
        completeness_table(table),
        Paragraph(ACCOUNTED.format(n=len(frame), shown=shown), note=True),
        Paragraph(NOTE, note=True),
    )
    return Section(TITLE, blocks, "completeness")
