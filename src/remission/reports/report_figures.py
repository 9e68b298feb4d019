"""The outcomes report's figures: :func:`report_figures` draws the curves the analysis fitted
(:func:`remission.analysis.curves.fit_curves`) and the forest plots of its models."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import pandas as pd
from django.utils.translation import gettext as _

from remission.analysis.curves import NRM, RELAPSE, CurveFits
from remission.analysis.groups import MAX_GROUPS, MIN_GROUP_SIZE
from remission.reports.curves import plot_cumulative_incidence, plot_stacked_incidence, plot_survival
from remission.reports.document import FigureBlock
from remission.reports.forest import ForestRow, forest_rows_from_table, plot_forest
from remission.reports.images import figure_block
from remission.reports.labels import (
    STRATUM_ALL,
    endpoint_label,
    short_level_label,
    term_factor,
    term_label,
    variable_label,
)
from remission.reports.numbers import format_count
from remission.reports.tables import model_title

# curves are drawn up to the last time with this many patients still at risk: 10, or 5% of the cohort
MIN_AT_RISK = 10
MIN_AT_RISK_SHARE = 0.05


def curve_horizon(fits: CurveFits) -> float:
    """Days up to which the curves are drawn: while at least :data:`MIN_AT_RISK` patients, and
    :data:`MIN_AT_RISK_SHARE` of the cohort, are at risk (the far tail of a few patients is noise)."""
    enough = fits.os.time[fits.os.n_risk >= max(MIN_AT_RISK, MIN_AT_RISK_SHARE * fits.n)]
    return float(enough[-1]) if enough.size else float(fits.os.time[-1]) if fits.os.time.size else 1.0


def grouped_forest_rows(table: pd.DataFrame, references: Mapping[str, object]) -> list[ForestRow]:
    """Forest rows with a heading per factor ("Disease (vs Autoimmune cytopenia)") over its levels."""
    rows: list[ForestRow] = []
    current: str | None = None
    for row in forest_rows_from_table(table):
        factor, level = term_factor(row.label)
        if factor is None:
            rows.append(replace(row, label=term_label(row.label)))
            current = None
            continue
        if factor != current:
            reference = references.get(factor)
            heading = (
                _("%(factor)s (vs %(reference)s)")
                % {"factor": variable_label(factor), "reference": short_level_label(factor, reference)}
                if reference is not None
                else variable_label(factor)
            )
            rows.append(ForestRow(heading, is_heading=True))
            current = factor
        rows.append(replace(row, label=short_level_label(factor, level)))
    return rows


def report_figures(
    fits: CurveFits,
    models: pd.DataFrame,
    *,
    who: str,
    references: Mapping[str, object] | None = None,
    horizon_days: float | None = None,
) -> dict[str, FigureBlock]:
    """The figures by name: ``os``, ``pfs``, ``os-by``, ``pfs-by``, ``competing``, ``stacked``,
    ``forest-<model>-<endpoint>``. ``who`` says for whom (the cohort, "n = …") in every subtitle.
    Curves end at ``horizon_days`` (default :func:`curve_horizon`)."""
    figures: dict[str, FigureBlock] = {}
    if horizon_days is None:
        horizon_days = curve_horizon(fits)
    everyone, os_words, pfs_words = _("All patients"), _("Overall survival"), _("Progression-free survival")
    figures["os"] = figure_block(
        plot_survival(
            {everyone: fits.os}, title=os_words, subtitle=who, ylabel=os_words, horizon_days=horizon_days
        ),
        "os",
        # xgettext:no-python-format
        _("Overall survival (Kaplan-Meier) with 95% confidence band; ticks mark censored patients."),
        _("Kaplan-Meier curve of overall survival with the numbers at risk below the time axis"),
    )
    figures["pfs"] = figure_block(
        plot_survival(
            {everyone: fits.pfs},
            title=pfs_words,
            subtitle=who,
            ylabel=pfs_words,
            horizon_days=horizon_days,
        ),
        "pfs",
        _("Progression-free survival (Kaplan-Meier): relapse, progression or death."),
        _("Kaplan-Meier curve of progression-free survival with the numbers at risk"),
    )
    by_word = variable_label(fits.by).lower() if fits.by else _("group")
    os_by = {short_level_label(fits.by or "", group): km for group, km in fits.os_by.items()}
    pfs_by = {short_level_label(fits.by or "", group): km for group, km in fits.pfs_by.items()}
    if len(os_by) >= 2:
        by = {"grouping": by_word}
        figures["os-by"] = figure_block(
            plot_survival(
                os_by,
                title=_("Overall survival by %(grouping)s") % by,
                subtitle=who,
                ylabel=os_words,
                horizon_days=horizon_days,
            ),
            "os-by",
            _(
                "Overall survival by %(grouping)s (groups of at least %(minimum)s patients, at most the "
                "%(maximum)s largest)."
            )
            % {**by, "minimum": MIN_GROUP_SIZE, "maximum": MAX_GROUPS},
            _("Kaplan-Meier curves of overall survival, one per %(grouping)s") % by,
        )
        figures["pfs-by"] = figure_block(
            plot_survival(
                pfs_by,
                title=_("Progression-free survival by %(grouping)s") % by,
                subtitle=who,
                ylabel=pfs_words,
                horizon_days=horizon_days,
            ),
            "pfs-by",
            _("Progression-free survival by %(grouping)s.") % by,
            _("Kaplan-Meier curves of progression-free survival, one per %(grouping)s") % by,
        )
    if fits.competing is not None:
        labels = {RELAPSE: endpoint_label("relapse/progression"), NRM: endpoint_label("NRM")}
        figures["competing"] = figure_block(
            plot_cumulative_incidence(
                {label: (fits.competing, cause) for cause, label in labels.items()},
                title=_("Relapse or progression and non-relapse mortality"),
                subtitle=who,
                ylabel=_("Cumulative incidence"),
                horizon_days=horizon_days,
            ),
            "competing",
            _(
                # xgettext:no-python-format
                "Cumulative incidence (Aalen-Johansen) of relapse or progression and of non-relapse "
                "mortality, each the competing event of the other, with 95% confidence bands."
            ),
            _("Cumulative incidence curves of relapse or progression and of non-relapse mortality"),
        )
        figures["stacked"] = figure_block(
            plot_stacked_incidence(
                fits.competing,
                labels,
                title=_("Outcome after infusion"),
                subtitle=who,
                remainder_label=_("Alive without relapse or progression"),
                horizon_days=horizon_days,
            ),
            "stacked",
            _("Stacked cumulative incidence: at each time the layers add up to all patients."),
            _("Stacked areas of relapse or progression, non-relapse mortality and event-free survival"),
        )
    overall = models[models["stratum"].astype(str) == STRATUM_ALL]
    for (model, endpoint), table in overall.groupby(["model", "endpoint"], sort=False):
        slug = f"forest-{str(model).lower().replace(' ', '-')}-{str(endpoint).lower().replace('/', '-')}"
        first = table.iloc[0]
        is_fine_gray = "fine-gray" in str(model).lower()
        figures[slug] = figure_block(
            plot_forest(
                grouped_forest_rows(table, references or {}),
                title=model_title(str(model), str(endpoint)),
                subtitle=_("%(cohort)s; %(n)s in the model, %(events)s events")
                % {"cohort": who, "n": format_count(first["n"]), "events": format_count(first["n_event"])},
                xlabel=_("Subdistribution hazard ratio (log scale)")
                if is_fine_gray
                else _("Hazard ratio (log scale)"),
                ratio_heading=_("SHR (95% CI)") if is_fine_gray else _("HR (95% CI)"),
            ),
            slug,
            _("%(model)s: hazard ratios with 95%% confidence intervals.")
            % {"model": model_title(str(model), str(endpoint))},
            _("Forest plot of the %(model)s model for %(endpoint)s")
            % {"model": model, "endpoint": endpoint_label(str(endpoint)).lower()},
        )
    return figures
