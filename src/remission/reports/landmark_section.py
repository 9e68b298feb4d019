"""The outcomes report's landmark section: OS and PFS after each landmark by the response known at it.

Numbers come from :func:`remission.analysis.landmark.landmark_analysis`; this module only formats.
"""

from __future__ import annotations

import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from remission.analysis.landmark import STATUSES, LandmarkAnalysis, status_words
from remission.reports.document import Paragraph, Section, Table
from remission.reports.labels import disease_label, endpoint_label
from remission.reports.numbers import format_count, format_number, format_p, format_percent_ci, localise

TITLE = gettext_lazy("Survival by response at a landmark")
MONTH = 365.25 / 12


def _months(days: float) -> str:
    months = round(days / MONTH)
    return ngettext("%(n)s month", "%(n)s months", months) % {"n": months}


def _after(days: float) -> str:
    years = days / 365.25
    return ngettext("%(n)s year after", "%(n)s years after", 1 if years == 1 else 2) % {
        "n": localise(f"{years:g}")
    }


def groups_words(groups: str) -> str:
    """The compared response groups of a test ("not assessed vs responded", as in the tables) in words."""
    names = [str(status_words(name)) for name in groups.split(" vs ")]
    shown = names[0]
    for name in names[1:]:
        shown = _("%(groups)s vs %(group)s") % {"groups": shown, "group": name}
    return shown


def landmark_estimates_table(analysis: LandmarkAnalysis) -> Table:
    """Per disease and landmark: patients at risk in each response group, and each shown group's OS and
    PFS some years after the landmark, % (95% CI)."""
    estimates, counts = analysis.estimates, analysis.counts
    after = list(dict.fromkeys(estimates["after_days"])) if not estimates.empty else []
    header = (_("Response at the landmark"), _("Endpoint"), "n", *(_after(a) for a in after))
    rows: list[tuple[str, ...]] = []
    group_rows: list[int] = []
    for (disease, landmark), part in counts.groupby(["disease", "landmark_days"], sort=False):
        group_rows.append(len(rows))
        heading = _("%(disease)s — landmark %(months)s") % {
            "disease": disease_label(disease),
            "months": _months(landmark),
        }
        rows.append((heading, "", "", *([""] * len(after))))
        for status in STATUSES:
            for endpoint in ("OS", "PFS"):
                count = part[(part["status"] == status) & (part["endpoint"] == endpoint)]["n"]
                mine = estimates[
                    (estimates["disease"] == disease)
                    & (estimates["landmark_days"] == landmark)
                    & (estimates["endpoint"] == endpoint)
                    & (estimates["status"] == status)
                ].set_index("after_days")
                values = [
                    format_percent_ci(mine.at[a, "estimate"], mine.at[a, "lower"], mine.at[a, "upper"])
                    if a in mine.index
                    else "—"
                    for a in after
                ]
                named = str(status_words(status))
                rows.append((named, endpoint_label(endpoint), format_count(count.sum()), *values))
    return Table(
        caption=_("Landmark analysis: survival after the landmark by the response known at it, % (95% CI)"),
        header=header,
        rows=tuple(rows),
        csv_name="landmark_estimates.csv",
        data=estimates,
        numeric_columns=tuple(range(2, len(header))),
        group_rows=tuple(group_rows),
        note=_("— : fewer patients in the group than the comparison needs (not estimated)."),
    )


def landmark_tests_table(tests: pd.DataFrame) -> Table:
    rows = tuple(
        (
            disease_label(r.disease),
            _months(r.landmark_days),
            endpoint_label(str(r.endpoint)),
            groups_words(str(r.groups)),
            format_number(r.statistic, 2),
            format_count(r.df),
            format_p(r.p_value),
        )
        for r in tests.itertuples(index=False)
    )
    return Table(
        caption=_("Landmark analysis: log-rank tests between the response groups"),
        header=(
            _("Disease"),
            _("Landmark"),
            _("Endpoint"),
            _("Groups"),
            _("Chi-square"),
            _("df"),
            pgettext("p-value", "p"),
        ),
        rows=rows,
        csv_name="landmark_tests.csv",
        data=tests,
        numeric_columns=(4, 5, 6),
    )


def landmark_section(analysis: LandmarkAnalysis | None) -> Section | None:
    """The section, or None when no disease of the cohort has a response definition."""
    if analysis is None or analysis.counts.empty:
        return None
    blocks: list = [Paragraph(str(analysis.rule)), landmark_estimates_table(analysis)]
    if not analysis.tests.empty:
        blocks.append(landmark_tests_table(analysis.tests))
    blocks += [Paragraph(f"• {note}", note=True) for note in analysis.notes]
    return Section(str(TITLE), tuple(blocks), "landmark")
