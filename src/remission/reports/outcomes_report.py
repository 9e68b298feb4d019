"""The standard outcomes report: what it holds, in which order.

:func:`build_document` lays out the analysis's results (:class:`remission.analysis.results.OutcomesResults`,
computed by :func:`remission.analysis.results.compute_outcomes`: Table 1, the standard outcome analysis,
the curves, centre benchmarking, landmark, multi-state and comparison analyses, disease-activity
summaries) as a :class:`~.document.Document` for the HTML and PDF renderers. Every estimate printed comes
from :mod:`remission.analysis` (which calls :mod:`remission.survival`); this module only formats.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from remission.analysis.activity import MIN_PATIENTS, ActivitySummaries
from remission.analysis.benchmarking import CASE_MIX, MIN_CENTRES, Benchmarking
from remission.analysis.cell_therapy import SMALL_NUMBERS
from remission.analysis.cohorts import DEFAULT_COHORT_SETTINGS, CohortSettings
from remission.analysis.flow import CUTOFF_EXTRACTION, CUTOFF_GIVEN
from remission.analysis.groups import MAX_GROUPS, MIN_GROUP_SIZE, Groups
from remission.analysis.outcomes import COVARIATES, TIMEPOINTS
from remission.analysis.results import OutcomesResults
from remission.reports.activity import activity_figures, immune_table, scores_table
from remission.reports.cell_therapy import cell_therapy_section
from remission.reports.comparison_section import comparison_methods, comparison_section, protocol_words
from remission.reports.completeness_section import completeness_section
from remission.reports.document import Block, Document, KeyValues, Paragraph, Section
from remission.reports.flow_diagram import flow_figure, flow_table
from remission.reports.funnel import plot_funnel
from remission.reports.images import figure_block
from remission.reports.labels import short_level_label, variable_label
from remission.reports.landmark_section import landmark_section
from remission.reports.methods import (
    activity_methods,
    benchmarking_methods,
    cell_therapy_methods,
    landmark_methods,
    methods_text,
    software_versions,
)
from remission.reports.multistate_section import multistate_section
from remission.reports.numbers import format_count, format_date
from remission.reports.proportional_hazards import ph_blocks
from remission.reports.report_figures import report_figures
from remission.reports.tables import (
    benchmarking_table,
    centres_table,
    estimates_table,
    findings_tables,
    follow_up_table,
    models_table,
    software_table,
    table1_table,
    tests_table,
    timepoint_label,
)

DEFAULT_TITLE = gettext_lazy("Outcomes after autologous HSCT in autoimmune disease")
EVERY_CENTRE = gettext_lazy("every centre")
DEFAULT_SELECTION = gettext_lazy("each patient's first autologous HSCT")
FLOW_NOTE = gettext_lazy(
    "Every patient in the registry is either analysed or left out by exactly one rule, the first that "
    "applies in the order shown; a rule that left out nobody shows 0. Cell therapies other than "
    "autologous HSCT are not in the main analysis; they are described in their own section."
)
GROUPS_LEFT_OUT = gettext_lazy(
    "Not compared (fewer than %(minimum)s patients, or beyond the %(maximum)s largest groups): %(groups)s. "
    "These patients are in every overall analysis."
)
MAX_NOTES = 12  # analysis notes printed (all are in notes.txt)
ACTIVITY_TITLE = gettext_lazy("Disease activity and immune reconstitution")
# how the analysis set its data cut-off (remission.analysis.flow), worded for the reader
CUTOFF_RULES = {
    CUTOFF_EXTRACTION: gettext_lazy("date of data extraction, the default"),
    CUTOFF_GIVEN: gettext_lazy("chosen for this analysis"),
}


def analysis_words(text: object) -> str:
    """A label the analysis wrote in English ("Overall survival") in the report's language when the report's
    catalogue has it (the endpoint names of :mod:`.labels`), else as written."""
    return _(str(text)) if str(text) else ""


def words_list(items: Sequence[str]) -> str:
    """ "a, b and c" in the report's language."""
    items = [str(item) for item in items]
    if len(items) < 2:
        return "".join(items)
    return _("%(items)s and %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def group_rule_words(minimum: int = MIN_GROUP_SIZE, maximum: int = MAX_GROUPS) -> str:
    """Which groups are compared (the rule of remission.analysis.groups), for the methods paragraph."""
    return _(
        "Groups are compared (log-rank and Gray's tests), estimated, drawn and given their own Table 1 "
        "column only when they hold at least %(minimum)s patients, and at most the %(maximum)s largest such "
        "groups; patients in smaller groups, or with the grouping missing, are in every overall analysis but "
        "in no group comparison. The same groups are used for the tests, the curves and the tables."
    ) % {"minimum": minimum, "maximum": maximum}


def landmark_words(days: Sequence[float]) -> str:
    """``(182.625, 365.25)`` -> "6 and 12 months" (months of 365.25/12 days, rounded)."""
    months = [round(float(d) / (365.25 / 12)) for d in days]
    return ngettext("%(months)s month", "%(months)s months", months[-1]) % {
        "months": words_list([str(m) for m in months])
    }


def cutoff_label(cutoff: object) -> str:
    """The analysis's data cut-off (date and rule) in words: "2024-12-31 (chosen for this analysis)"."""
    rule = str(getattr(cutoff, "rule", ""))
    return _("%(date)s (%(rule)s)") % {
        "date": format_date(cutoff.date),  # type: ignore[attr-defined]
        "rule": str(CUTOFF_RULES.get(rule, rule)),
    }


def groups_note(groups: Groups) -> str:
    """Which groups of the grouping are not compared, and why (:mod:`remission.analysis.groups`)."""
    parts = []
    if groups.left_out:
        listed = ", ".join(
            f"{short_level_label(groups.by, label)} ({format_count(n)})" for label, n in groups.left_out
        )
        parts.append(GROUPS_LEFT_OUT % {"minimum": MIN_GROUP_SIZE, "maximum": MAX_GROUPS, "groups": listed})
    if groups.missing:
        parts.append(
            ngettext(
                "%(missing)s patient with the %(by)s not recorded is in the overall analyses only.",
                "%(missing)s patients with the %(by)s not recorded are in the overall analyses only.",
                groups.missing,
            )
            % {"missing": format_count(groups.missing), "by": variable_label(groups.by).lower()}
        )
    return " ".join(parts)


def cohort_label(filters: Sequence[tuple[str, str]], n: int) -> str:
    """For whom, in one line: "Systemic sclerosis · centre demo-north · n = 123"."""
    parts = [value for _key, value in filters]
    return " · ".join([*parts, f"n = {format_count(n)}"])


def _timepoint_words() -> str:
    return words_list([timepoint_label(label) for _day, label in TIMEPOINTS])


def build_document(
    results: OutcomesResults,
    *,
    filters: Sequence[tuple[str, str]] = (),
    title: str = DEFAULT_TITLE,
    generated: dt.date | None = None,
    selection: str = DEFAULT_SELECTION,
    cohort_settings: CohortSettings = DEFAULT_COHORT_SETTINGS,
    scope: str = EVERY_CENTRE,
) -> Document:
    """The report: cohort and Table 1, curves, estimates, disease activity and immune reconstitution
    (when measurements were given), comparisons, models, follow-up, centre benchmarking (with at least
    three centres), data quality, methods. ``filters`` are the cohort's criteria in words (("Disease",
    "Systemic sclerosis"), …). ``scope``: whose patients the registry count is of (the reader's
    centres, :func:`scope_words`)."""
    frame = results.frame
    outcomes = results.outcomes
    title, selection, scope = str(title), str(selection), str(scope)
    n = len(frame)
    who = cohort_label(filters, n)
    cutoff = outcomes.cutoff
    generated = generated or dt.date.today()
    infusion_dates = pd.to_datetime(frame["infusion_date"])
    flow = results.analysis_set.flow
    cell_therapy = cell_therapy_section(results.cell_therapy)
    filter_words = "; ".join(f"{k}: {v}" for k, v in filters) or pgettext("no cohort filter", "none")
    latest = _("%(date)s (latest contact)") % {"date": format_date(cutoff)}
    analysed = ngettext("%(n)s patient (%(selection)s)", "%(n)s patients (%(selection)s)", n) % {
        "n": format_count(n),
        "selection": selection,
    }
    if flow is not None:
        left = "; ".join(f"{step.reason}: {format_count(step.n)}" for step in flow.steps if step.n)
        registry = ngettext("%(n)s patient (%(scope)s)", "%(n)s patients (%(scope)s)", flow.in_registry) % {
            "n": format_count(flow.in_registry),
            "scope": scope,
        }
        facts = [
            (_("In the registry"), registry),
            (_("Cohort filters"), filter_words),
            (_("Left out"), format_count(flow.left_out) + (f" ({left})" if left else "")),
            (_("Analysed"), analysed),
        ]
        cutoff_words = cutoff_label(flow.cutoff) if flow.cutoff is not None else latest
    else:  # an analysis set made by hand (no registry read): no flow to show
        facts = [(_("Analysed"), analysed), (_("Cohort filters"), filter_words)]
        cutoff_words = format_date(cutoff) if results.analysis_set.cutoff else latest
    infusions = (
        _("%(first)s to %(last)s")
        % {
            "first": format_date(infusion_dates.min().date()),
            "last": format_date(infusion_dates.max().date()),
        }
        if n
        else pgettext("no infusion", "none")
    )
    facts += [
        (_("Data cut-off"), cutoff_words),
        (_("Infusions"), infusions),
        (_("Centres"), format_count(frame["centre"].nunique())),
        (_("Report generated"), format_date(generated)),
    ]
    figures = report_figures(results.fits, outcomes.models, who=who, references=results.references)
    sections: list[Section] = []
    if flow is not None:
        sections.append(
            Section(
                _("Patient flow"),
                (
                    flow_figure(flow, scope=scope, section_products=cell_therapy is not None),
                    flow_table(flow, scope=scope),
                    Paragraph(str(FLOW_NOTE), note=True),
                ),
                "patient-flow",
            )
        )
    sections += [
        Section(
            _("Cohort"),
            (KeyValues(tuple(facts)), table1_table(results.table1, by=results.table1_by)),
            "cohort",
        ),
        Section(_("Survival"), (figures["os"], figures["pfs"]), "survival"),
    ]
    by_blocks = [figures[name] for name in ("os-by", "pfs-by") if name in figures]
    if not outcomes.tests.empty:
        by_blocks.append(tests_table(outcomes.tests, by=results.by))
    if results.groups is not None and (results.groups.left_out or results.groups.missing):
        by_blocks.append(Paragraph(groups_note(results.groups), note=True))
    if by_blocks:
        sections.append(
            Section(
                _("Survival by %(grouping)s") % {"grouping": variable_label(results.by or "").lower()},
                tuple(by_blocks),
                "by-group",
            )
        )
    competing = [figures[name] for name in ("competing", "stacked") if name in figures]
    if competing:
        sections.append(Section(_("Relapse and non-relapse mortality"), tuple(competing), "competing-risks"))
    course = multistate_section(results.multistate, who=who, models=results.transitions)
    if course is not None:
        sections.append(course)
    sections.append(
        Section(_("Estimates"), (estimates_table(outcomes.estimates, by=results.by),), "estimates")
    )
    activity = activity_section(results.activity, who) if results.activity is not None else None
    if activity is not None:
        sections.append(activity)
    landmark = landmark_section(results.landmark)
    if landmark is not None:
        sections.append(landmark)
    forests = [block for name, block in figures.items() if name.startswith("forest-")]
    model_blocks: list = [*forests, models_table(outcomes.models, results.references)]
    model_blocks += ph_blocks(outcomes, results.references)
    if outcomes.notes:
        shown = outcomes.notes[:MAX_NOTES]
        more = len(outcomes.notes) - len(shown)
        heading = (
            _(
                "Notes from the analysis (%(n)s: models or tests not computed, fit warnings); the first "
                "%(shown)s below, all in notes.txt of the tables archive:"
            )
            if more
            else _("Notes from the analysis (%(n)s: models or tests not computed, fit warnings):")
        )
        model_blocks.append(
            Paragraph(heading % {"n": format_count(len(outcomes.notes)), "shown": len(shown)})
        )
        model_blocks += [Paragraph(f"• {note}", note=True) for note in shown]
    sections.append(Section(_("Multivariable models"), tuple(model_blocks), "models"))
    for comparison in results.comparisons:
        sections.append(
            comparison_section(comparison, steps=comparison.steps, **protocol_words(comparison.protocol))
        )
    sections.append(
        Section(
            _("Follow-up and centres"),
            (follow_up_table(outcomes.follow_up), centres_table(outcomes.patients_per_centre_year)),
            "follow-up",
        )
    )
    if results.completeness is not None:
        sections.append(completeness_section(results.completeness, analysed=n))
    if results.benchmarks is not None and not results.benchmarks.centres.empty:
        sections.append(_benchmarking_section(results.benchmarks, who))
    if cell_therapy is not None:
        sections.append(cell_therapy)
    sections.append(
        Section(
            _("Data quality"),
            tuple(findings_tables(results.analysis_set.findings, results.analysis_set.excluded)),
            "data-quality",
        )
    )
    covariates = ", ".join(variable_label(c if c != "age" else "age_per_10y").lower() for c in COVARIATES)
    methods = methods_text(
        selection=selection,
        timepoints=_timepoint_words(),
        covariates=covariates,
        experience_threshold=cohort_settings.experience_threshold,
        group_rule=group_rule_words(),
        cutoff=cutoff_words,
    )
    if landmark is not None and results.landmark is not None:
        days = results.landmark.counts["landmark_days"].drop_duplicates().tolist()
        methods.append(landmark_methods(landmarks=landmark_words(days)))
    methods += [comparison_methods(comparison) for comparison in results.comparisons]
    if activity is not None:
        methods.append(activity_methods(min_patients=MIN_PATIENTS))
    if cell_therapy is not None:
        methods.append(cell_therapy_methods(small=SMALL_NUMBERS))
    if results.benchmarks is not None and not results.benchmarks.centres.empty:
        labels = list(dict.fromkeys(results.benchmarks.centres["label"]))
        methods.append(
            benchmarking_methods(
                endpoints=words_list([analysis_words(label) for label in labels]),
                covariates=", ".join(
                    variable_label(c if c != "age" else "age_per_10y").lower() for c in CASE_MIX
                ),
                min_centres=MIN_CENTRES,
            )
        )
    sections.append(
        Section(
            _("Methods"),
            (*(Paragraph(text) for text in methods), software_table(software_versions())),
            "methods",
        )
    )
    return Document(
        title=title,
        subtitle=_("%(cohort)s · data cut-off %(date)s") % {"cohort": who, "date": format_date(cutoff)},
        sections=tuple(sections),
    )


def activity_section(activity: ActivitySummaries, who: str) -> Section:
    """Disease activity and immune reconstitution: trajectories, the immune panels, their tables."""
    if activity.empty:
        return Section(
            str(ACTIVITY_TITLE),
            (Paragraph(_("No disease-activity score or laboratory value is recorded for these patients.")),),
            "activity",
        )
    blocks: list[Block] = list(activity_figures(activity, who=who))
    if not activity.scores.empty:
        blocks.append(scores_table(activity))
    if not activity.immune.empty:
        blocks.append(immune_table(activity))
    return Section(str(ACTIVITY_TITLE), tuple(blocks), "activity")


def _benchmarking_section(benchmarks: Benchmarking, who: str) -> Section:
    """One funnel plot per endpoint, then the table of observed and expected events."""
    blocks: list[Block] = []
    for label, part in benchmarks.centres.groupby("label", sort=False):
        first = part.iloc[0]
        model = benchmarks.models[benchmarks.models["endpoint"] == first["endpoint"]].iloc[0]
        endpoint = analysis_words(label).lower()
        blocks.append(
            figure_block(
                plot_funnel(
                    part,
                    benchmarks.funnels[benchmarks.funnels["endpoint"] == first["endpoint"]],
                    title=_("Centre benchmarking: %(endpoint)s") % {"endpoint": endpoint},
                    subtitle=_("%(cohort)s; %(n)s patients in the case-mix model, %(events)s events")
                    % {
                        "cohort": who,
                        "n": format_count(model["n"]),
                        "events": format_count(model["n_event"]),
                    },
                ),
                f"funnel-{first['endpoint']}",
                _(
                    "Funnel plot of %(endpoint)s: observed/expected events per centre against its expected "
                    "events, with 95%% (dashed) and 99.8%% (dotted) control limits."
                )
                % {"endpoint": endpoint},
                _("Funnel plot of %(endpoint)s by centre") % {"endpoint": endpoint},
            )
        )
    blocks.append(benchmarking_table(benchmarks.centres))
    if benchmarks.notes:
        blocks += [Paragraph(f"• {note}", note=True) for note in benchmarks.notes]
    return Section(_("Centre benchmarking"), tuple(blocks), "benchmarking")
