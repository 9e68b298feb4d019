"""The report's tables: analysis results (DataFrames of numbers) -> printable :class:`Table` blocks.

Each function keeps the analysis frame as the table's ``data`` (it becomes the CSV, unrounded) and
formats the printed cells with :mod:`.numbers`. Nothing is computed here but formatting and layout.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext, pgettext_lazy

from remission.reports.document import Table
from remission.reports.labels import (
    STRATUM_ALL,
    endpoint_label,
    level_label,
    stratum_label,
    term_label,
    variable_label,
)
from remission.reports.numbers import (
    MISSING,
    format_count,
    format_number,
    format_p,
    format_percent,
    format_percent_ci,
    format_ratio,
    localise,
    percent_sign,
)
from remission.reports.timescale import DAYS_PER_YEAR

ENDPOINT_ORDER = ("OS", "PFS", "relapse/progression", "NRM")
MAX_FINDING_EXAMPLES = 40
# the analysis's words (its tables keep them, in English, for the CSV files), worded for the reader
TEST_NAMES = {
    "Fisher": gettext_lazy("Fisher"),
    "chi-square": gettext_lazy("chi-square"),
    "chi-square (expected < 5)": gettext_lazy("chi-square (expected < 5)"),
    "Wilcoxon rank-sum": gettext_lazy("Wilcoxon rank-sum"),
    "Kruskal-Wallis": gettext_lazy("Kruskal-Wallis"),
    "log-rank": gettext_lazy("log-rank"),
    "Gray": gettext_lazy("Gray"),
}
TABLE1_LEVELS = {
    "median (IQR)": gettext_lazy("median (IQR)"),
    "missing": pgettext_lazy("value not recorded", "missing"),
}
_DURATION = re.compile(r"^(\d+) (day|days|month|months|year|years)$")


def timepoint_label(label: str) -> str:
    """A time of the analysis ("100 days", "1 year") in the report's language; other labels as given."""
    match = _DURATION.match(str(label))
    if match is None:
        return str(label)
    n = int(match.group(1))
    unit = match.group(2).rstrip("s")
    if unit == "day":
        return ngettext("%(n)s day", "%(n)s days", n) % {"n": n}
    if unit == "month":
        return ngettext("%(n)s month", "%(n)s months", n) % {"n": n}
    return ngettext("%(n)s year", "%(n)s years", n) % {"n": n}


def _test_name(name: str) -> str:
    return str(TEST_NAMES[name]) if name in TEST_NAMES else name


def _level_words(level: str, variable: str) -> str:
    if level in TABLE1_LEVELS:
        return str(TABLE1_LEVELS[level])
    return level if level == "" else level_label(variable, level)


def _cell(value: object) -> str:
    """A Table 1 cell written by the analysis ("12 (45.3 %)", "42.1 (35.0–50.2)") in the report's language."""
    return localise(str(value))


def _ordered_strata(values: pd.Series) -> list[str]:
    strata = list(dict.fromkeys(values.astype(str)))
    return [STRATUM_ALL, *sorted(s for s in strata if s != STRATUM_ALL)] if STRATUM_ALL in strata else strata


def table1_table(frame: pd.DataFrame, *, by: str | None) -> Table:
    """Table 1 (:func:`remission.analysis.table1.table1`) with labels in words."""
    groups = [c for c in frame.columns if c not in ("variable", "level", "overall", "test", "p_value")]
    header = (
        _("Characteristic"),
        "",
        _("All patients"),
        *(level_label(by or "", g) for g in groups),
        pgettext("p-value", "p"),
    )
    rows: list[tuple[str, ...]] = []
    previous = None
    for record in frame.to_dict("records"):
        variable = str(record["variable"])
        first = variable != previous
        previous = variable
        level = str(record["level"])
        level_text = _level_words(level, variable)
        p_value = record["p_value"]
        rows.append(
            (
                variable_label(variable) if first else "",
                level_text,
                _cell(record["overall"]),
                *(_cell(record[g]) for g in groups),
                format_p(p_value) if groups and not pd.isna(p_value) else "",
            )
        )
    test_names = sorted({_test_name(str(t)) for t in frame["test"] if str(t)})
    note = _("n (%) of patients with the value recorded; median (interquartile range).")
    tests_used = " " + _("Tests: %(tests)s.") % {"tests": ", ".join(test_names)}
    return Table(
        caption=_("Table 1. Patient and transplant characteristics"),
        header=header,
        rows=tuple(rows),
        csv_name="table1.csv",
        data=frame,
        numeric_columns=tuple(range(2, len(header))),
        note=note + tests_used if test_names else note,
    )


def estimates_table(estimates: pd.DataFrame, *, by: str | None) -> Table:
    """Estimates with 95 % CIs at each timepoint, per stratum (and group), per endpoint.

    Groups of ``by`` inside the "all" stratum are left out when ``by`` is the disease, since the
    per-disease strata hold the same numbers.
    """
    timepoints = list(dict.fromkeys(estimates["timepoint"]))
    header = (_("Endpoint"), "n", *(timepoint_label(t) for t in timepoints))
    rows: list[tuple[str, ...]] = []
    group_rows: list[int] = []
    for stratum in _ordered_strata(estimates["stratum"]):
        part = estimates[estimates["stratum"].astype(str) == stratum]
        groups = list(dict.fromkeys(part["group"].astype(str)))
        if by == "disease" or by is None:
            groups = [g for g in groups if g == STRATUM_ALL]
        for group in groups:
            group_rows.append(len(rows))
            heading = stratum_label(stratum)
            if group != STRATUM_ALL:
                heading = _("%(patients)s — %(variable)s: %(level)s") % {
                    "patients": heading,
                    "variable": variable_label(by or ""),
                    "level": level_label(by or "", group),
                }
            rows.append((heading, "", *([""] * len(timepoints))))
            cells = part[part["group"].astype(str) == group]
            for endpoint in ENDPOINT_ORDER:
                mine = cells[cells["endpoint"] == endpoint].set_index("timepoint")
                if mine.empty:
                    continue
                values = [
                    format_percent_ci(mine.at[t, "estimate"], mine.at[t, "lower"], mine.at[t, "upper"])
                    if t in mine.index
                    else MISSING
                    for t in timepoints
                ]
                rows.append((endpoint_label(endpoint), format_count(mine["n"].iloc[0]), *values))
    return Table(
        caption=_("Table 2. Survival and cumulative incidence at fixed times, % (95% CI)"),
        header=header,
        rows=tuple(rows),
        csv_name="estimates.csv",
        data=estimates,
        numeric_columns=tuple(range(1, len(header))),
        group_rows=tuple(group_rows),
        note=_(
            "Overall and progression-free survival: Kaplan-Meier, log-log 95% CI. Relapse or progression "
            "and non-relapse mortality: Aalen-Johansen cumulative incidence with each other as the competing "
            "event, 95% CI from the cmprsk variance. A year is 365.25 days."
        ),
    )


def tests_table(tests: pd.DataFrame, *, by: str | None) -> Table:
    rows = tuple(
        (
            stratum_label(r.stratum),
            endpoint_label(str(r.endpoint)),
            _test_name(str(r.test)),
            format_number(r.statistic, 2),
            format_count(r.df),
            format_p(r.p_value),
        )
        for r in tests.itertuples(index=False)
    )
    return Table(
        caption=_("Table 3. Comparison between groups (%(grouping)s)")
        % {"grouping": variable_label(by or "").lower()},
        header=(_("Patients"), _("Endpoint"), _("Test"), _("Chi-square"), _("df"), pgettext("p-value", "p")),
        rows=rows,
        csv_name="tests.csv",
        data=tests,
        numeric_columns=(3, 4, 5),
    )


def model_title(model: str, endpoint: str) -> str:
    return _("%(endpoint)s — %(model)s model") % {"endpoint": endpoint_label(endpoint), "model": model}


def models_table(
    models: pd.DataFrame, references: Mapping[str, object], *, stratum: str = STRATUM_ALL
) -> Table:
    """Hazard ratios of every model in ``stratum`` (the CSV holds every stratum)."""
    part = models[models["stratum"].astype(str) == stratum]
    rows: list[tuple[str, ...]] = []
    group_rows: list[int] = []
    for (model, endpoint), terms in part.groupby(["model", "endpoint"], sort=False):
        group_rows.append(len(rows))
        first = terms.iloc[0]
        rows.append(
            (
                ngettext(
                    "%(model)s (n = %(n)s, %(events)s event)",
                    "%(model)s (n = %(n)s, %(events)s events)",
                    int(first["n_event"]),
                )
                % {
                    "model": model_title(str(model), str(endpoint)),
                    "n": format_count(first["n"]),
                    "events": format_count(first["n_event"]),
                },
                "",
                "",
            )
        )
        for r in terms.itertuples(index=False):
            rows.append(
                (
                    term_label(str(r.term), references),
                    format_ratio(r.hazard_ratio, r.lower, r.upper),
                    format_p(r.p_value),
                )
            )
    return Table(
        caption=_("Table 4. Multivariable models, %(patients)s: hazard ratios (95%% CI)")
        % {"patients": stratum_label(stratum).lower()},
        header=(_("Term"), _("HR (95% CI)"), pgettext("p-value", "p")),
        rows=tuple(rows),
        csv_name="models.csv",
        data=models,
        numeric_columns=(1, 2),
        group_rows=tuple(group_rows),
        note=_("Cox: Efron ties. Fine-Gray: subdistribution hazard ratios (cmprsk::crr). Complete cases."),
    )


def follow_up_table(follow_up: pd.DataFrame) -> Table:
    rows = []
    for r in follow_up.itertuples(index=False):
        median = r.median_follow_up_days / DAYS_PER_YEAR
        lower, upper = r.median_lower / DAYS_PER_YEAR, r.median_upper / DAYS_PER_YEAR
        ci = f" ({format_number(lower)}–{format_number(upper)})" if np.isfinite([lower, upper]).all() else ""
        rows.append(
            (
                stratum_label(r.stratum),
                format_count(r.n),
                f"{format_number(median)}{ci}" if np.isfinite(median) else _("not reached"),
                percent_sign(format_percent(r.clark_c)) if np.isfinite(r.clark_c) else MISSING,
            )
        )
    return Table(
        caption=_("Table 5. Follow-up and its completeness"),
        header=(_("Patients"), "n", _("Median follow-up, years (95% CI)"), _("Clark's C")),
        rows=tuple(rows),
        csv_name="follow_up.csv",
        data=follow_up,
        numeric_columns=(1, 2, 3),
        note=_(
            "Median follow-up by reverse Kaplan-Meier (Schemper & Smith 1996). Clark's completeness index: "
            "observed over potential person-time up to the data cut-off (Clark et al., Lancet 2002)."
        ),
    )


def centres_table(per_centre_year: pd.DataFrame) -> Table:
    summary = per_centre_year.groupby("centre", sort=True).agg(
        n=("n", "sum"), first_year=("year", "min"), last_year=("year", "max"), years=("year", "nunique")
    )
    summary = summary.sort_values(["n"], ascending=False)
    rows = tuple(
        (str(centre), format_count(r.n), str(r.first_year), str(r.last_year), format_count(r.years))
        for centre, r in summary.iterrows()
    )
    return Table(
        caption=_("Table 6. Patients per centre (per year: see %(file)s)")
        % {"file": "patients_per_centre_year.csv"},
        header=(_("Centre"), _("Patients"), _("First year"), _("Last year"), _("Years with infusions")),
        rows=rows,
        csv_name="patients_per_centre_year.csv",
        data=per_centre_year,
        numeric_columns=(1, 2, 3, 4),
    )


def findings_tables(findings: pd.DataFrame, excluded: Sequence[str]) -> list[Table]:
    """Data-quality findings: one row per rule with counts, then the first examples."""
    counts = (
        findings.groupby("rule", sort=True)
        .agg(findings=("message", "size"), patients=("registry_id", "nunique"))
        .reset_index()
        .sort_values("findings", ascending=False)
    )
    summary = Table(
        caption=_("Table 7. Data-quality findings by rule"),
        header=(_("Rule"), _("Findings"), _("Patients")),
        rows=tuple(
            (str(r.rule), format_count(r.findings), format_count(r.patients)) for r in counts.itertuples()
        ),
        csv_name="findings.csv",
        data=findings,
        numeric_columns=(1, 2),
        note=ngettext(
            "%(n)s patient left out (death recorded before the infusion). Each finding is handled as "
            "stated in %(module)s; none is silently corrected.",
            "%(n)s patients left out (death recorded before the infusion). Each finding is handled as "
            "stated in %(module)s; none is silently corrected.",
            len(excluded),
        )
        % {"n": format_count(len(excluded)), "module": "remission.analysis.endpoints"},
    )
    shown = findings.head(MAX_FINDING_EXAMPLES)
    examples = Table(
        caption=_("Table 8. Findings, the first %(shown)s of %(total)s")
        % {"shown": format_count(len(shown)), "total": format_count(len(findings))},
        header=(_("Patient"), _("Rule"), _("Finding")),
        rows=tuple((str(r.registry_id), str(r.rule), str(r.message)) for r in shown.itertuples()),
    )
    return [summary, examples] if len(findings) else [summary]


def software_table(versions: Sequence[tuple[str, str]]) -> Table:
    return Table(caption=_("Software"), header=(_("Package"), _("Version")), rows=tuple(versions))


VERDICTS = {
    # xgettext:no-python-format
    2: gettext_lazy("above the 99.8% limit"),
    # xgettext:no-python-format
    1: gettext_lazy("above the 95% limit"),
    0: pgettext_lazy("funnel plot limits", "within"),
    # xgettext:no-python-format
    -1: gettext_lazy("below the 95% limit"),
    # xgettext:no-python-format
    -2: gettext_lazy("below the 99.8% limit"),
}


def funnel_verdict(outside_95: int, outside_998: int) -> str:
    """Where a centre lies against the funnel's limits, in words."""
    return str(VERDICTS[int(outside_998) * 2 if outside_998 else int(outside_95)])


def benchmarking_table(centres: pd.DataFrame) -> Table:
    """Observed and expected events per centre and endpoint, O/E (95% CI) and the funnel verdict."""
    rows: list[tuple[str, ...]] = []
    group_rows: list[int] = []
    for label, part in centres.groupby("label", sort=False):
        group_rows.append(len(rows))
        rows.append((_(str(label)), "", "", "", "", ""))  # marked in analysis/benchmarking.py
        for r in part.sort_values("centre").itertuples(index=False):
            rows.append(
                (
                    str(r.centre),
                    format_count(r.n),
                    format_count(r.observed),
                    format_number(r.expected, 1),
                    format_ratio(r.ratio, r.lower, r.upper),
                    funnel_verdict(r.outside_95, r.outside_998),
                )
            )
    return Table(
        caption=_("Centre benchmarking: observed and case-mix-expected events"),
        header=(
            _("Centre"),
            _("Patients"),
            _("Observed"),
            _("Expected"),
            _("O/E (95% CI)"),
            _("Funnel plot"),
        ),
        rows=tuple(rows),
        csv_name="benchmarking.csv",
        data=centres,
        numeric_columns=(1, 2, 3, 4),
        group_rows=tuple(group_rows),
        note=_(
            "Expected: the sum over the centre's patients of the cumulative hazard up to the horizon from "
            "a Cox model of the case mix without centre. O/E 95% CI: exact Poisson. Funnel plot: where O/E "
            "lies against the 95% and 99.8% control limits for the centre's expected events."
        ),
    )
