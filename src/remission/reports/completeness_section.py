"""The outcomes report's section *Completeness of follow-up*: Clark's completeness index per centre of the
analysed patients (computed by the analysis, ``analysis/completeness.clark_by_centre``), with a
total row that counts every analysed patient, so that the section accounts for each one the patient flow
says was analysed."""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from remission.reports.document import Paragraph, Section, Table
from remission.reports.numbers import MISSING, format_count, format_number, format_percent, percent_sign

TITLE = gettext_lazy("Completeness of follow-up")
DAYS_PER_YEAR = 365.25
NOTE = gettext_lazy(
    "Clark's completeness index C = observed ÷ potential person-time (Clark TG, Altman DG, De Stavola BL. "
    "Quantification of the completeness of follow-up. Lancet 2002;359:1309–10). Potential follow-up runs "
    "from day 0 to the data cut-off, or to the death when it is known on or before the cut-off (a death "
    "is complete follow-up); observed follow-up runs from day 0 to the last contact, or to the death. "
    "Forms received in their window and open queries per centre are on the registry's Completeness page."
)


def completeness_table(table: pd.DataFrame) -> Table:
    rows = []
    for r in table.itertuples(index=False):
        rows.append(
            (
                _("All centres") if r.centre == "all" else str(r.centre),
                format_count(r.patients),
                format_count(r.deaths),
                format_number(r.observed_person_days / DAYS_PER_YEAR),
                format_number(r.potential_person_days / DAYS_PER_YEAR),
                percent_sign(format_percent(r.clark_c)) if np.isfinite(r.clark_c) else MISSING,
            )
        )
    return Table(
        caption=_("Completeness of follow-up per centre"),
        header=(
            _("Centre"),
            _("Patients"),
            _("Deaths"),
            _("Observed, years"),
            _("Potential, years"),
            _("Clark's C"),
        ),
        rows=tuple(rows),
        csv_name="completeness.csv",
        data=table,
        numeric_columns=(1, 2, 3, 4, 5),
        group_rows=(len(rows) - 1,),
    )


def completeness_section(table: pd.DataFrame, *, analysed: int) -> Section:
    """The section of ``table`` (:func:`~remission.analysis.completeness.clark_by_centre` of the
    ``analysed`` patients)."""
    shown = int(table.loc[table["centre"] != "all", "patients"].sum())
    blocks = (
        completeness_table(table),
        Paragraph(accounted_words(analysed, shown), note=True),
        Paragraph(str(NOTE), note=True),
    )
    return Section(str(TITLE), blocks, "completeness")


def accounted_words(n: int, shown: int) -> str:
    """ "All 160 analysed patients are counted here: 160 in the rows above."."""
    return ngettext(
        "All %(n)s analysed patient is counted here: %(shown)s in the rows above.",
        "All %(n)s analysed patients are counted here: %(shown)s in the rows above.",
        n,
    ) % {"n": format_count(n), "shown": format_count(shown)}
