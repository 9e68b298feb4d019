"""Proportional hazards beside the Cox models: the test table, the residual plots of failing terms, a note.

The numbers are those of :func:`remission.analysis.outcomes.fit_stratum_models` (R ``cox.zph(fit,
transform = "km")``: per covariate, a factor's levels together, and global). For each covariate whose
test has p below the analysis' threshold (``OutcomeAnalysis.ph_alpha``) a panel of its model's figure
shows what R's ``plot(cox.zph(fit, transform = "km"))`` draws: the scaled Schoenfeld residuals against
the transformed time (1 - Kaplan-Meier, so the axis runs from the first to the last death; labelled in
years), a natural cubic spline smooth with 4 degrees of freedom and its ±2 standard error band (computed
by the analysis as ``plot.cox.zph`` computes it, ``OutcomeAnalysis.ph_smooths``), and a horizontal line
at the model's coefficient: under proportional hazards the smooth stays near that line, flat. A factor of
several levels is one panel, as in R: its levels traced together, as a multiple of the factor's fitted
effect (its part of the linear predictor), so that its line is at 1 and 0 is no effect at that time.
Nothing is computed here: this module formats and lays out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from matplotlib import rcParams
from matplotlib.figure import Figure
from numpy.typing import NDArray

from remission.analysis.outcomes import PH_ALPHA, OutcomeAnalysis
from remission.reports import style
from remission.reports.document import Block, FigureBlock, Paragraph, Table
from remission.reports.images import figure_block
from remission.reports.labels import STRATUM_ALL, stratum_label, term_label, variable_label
from remission.reports.numbers import format_count, format_number, format_p, localise
from remission.reports.tables import model_title
from remission.reports.timescale import DAYS_PER_YEAR

GLOBAL = "GLOBAL"
GLOBAL_LABEL = gettext_lazy("Global (all terms)")
PANELS_PER_ROW = 3
GID_RESIDUAL = "residual"
# residuals drawn per panel at most: beyond that the cloud is a grey mass and drawing it costs seconds at
# 100,000 patients; a seeded random sample is drawn (the smooth and the test use every residual)
MAX_POINTS_DRAWN = 3_000
DRAWN_SAMPLE = gettext_lazy(
    "Each panel draws a random %(drawn)s of its %(total)s residuals; the smooth uses all."
)
GID_SMOOTH = "smooth"
GID_BAND = "band"
GID_COEF = "coefficient"
_YEAR_TICKS = (0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 15.0, 20.0)
TICK_GAP = 0.08  # of a full-width panel's axis between two year ticks; a panel of a row of k, k times
NOTE = gettext_lazy(
    "A Cox model assumes proportional hazards: each hazard ratio is the same at every time after "
    "infusion. The test (R survival::cox.zph, time transformed by the "
    "Kaplan-Meier estimate) asks whether a coefficient drifts with time; a small p, per covariate (a "
    "factor's levels together) or for all covariates at once (global), says that the hazard ratio "
    "shown is an average over follow-up of an effect that changes. For each covariate with p < %(alpha)s "
    "the figures show the scaled Schoenfeld residuals, which trace the coefficient over time, with a "
    "smooth (natural spline, 4 df) and its ±2 SE band; the dashed line is the model's coefficient. For a "
    "factor of several levels one panel traces its levels together, as a multiple of the fitted effect: "
    "the dashed line is at 1, and 0 is no effect. A smooth that crosses it clearly, or slopes, shows how "
    "the effect changes. With many patients a "
    "small, clinically unimportant drift can be significant; with few, a large one can be missed."
)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _term_words(term: str, references: Mapping[str, object] | None) -> str:
    return str(GLOBAL_LABEL) if term == GLOBAL else term_label(term, references)


def ph_table(
    ph: pd.DataFrame,
    stratum: str = STRATUM_ALL,
    *,
    alpha: float = PH_ALPHA,
    references: Mapping[str, object] | None = None,
) -> Table:
    """The PH tests of every Cox model in ``stratum`` (the CSV holds every stratum): per model a heading,
    then chi-square, df and p per covariate and the global test."""
    part = ph[ph["stratum"].astype(str) == stratum]
    rows: list[tuple[str, ...]] = []
    group_rows: list[int] = []
    for (model, endpoint), terms in part.groupby(["model", "endpoint"], sort=False):
        group_rows.append(len(rows))
        rows.append((model_title(str(model), str(endpoint)), "", "", ""))
        for r in terms.itertuples(index=False):
            rows.append(
                (
                    _term_words(str(r.term), references),
                    format_number(r.chisq, 2),
                    format_count(r.df),
                    format_p(r.p_value),
                )
            )
    return Table(
        caption=_(
            "Proportional hazards of the Cox models, %(patients)s: tests on scaled Schoenfeld residuals"
        )
        % {"patients": stratum_label(stratum).lower()},
        header=(_("Term"), _("Chi-square"), _("df"), pgettext("p-value", "p")),
        rows=tuple(rows),
        csv_name="proportional_hazards.csv",
        data=ph,
        numeric_columns=(1, 2, 3),
        group_rows=tuple(group_rows),
        note=_(
            'R survival::cox.zph, transform = "km"; a factor\'s levels are tested together. '
            "Covariates with p < %(alpha)s: residual plots below."
        )
        % {"alpha": localise(f"{alpha:g}")},
    )


def _year_ticks(
    time: NDArray[np.float64], transformed: NDArray[np.float64], *, gap: float = TICK_GAP
) -> tuple[list[float], list[str]]:
    """Positions on the transformed axis of round times in years (g is non-decreasing in time), each at
    least ``gap`` of the axis from the one before, so that their labels do not run together."""
    order = np.argsort(time, kind="stable")
    years = time[order] / DAYS_PER_YEAR
    values = transformed[order]
    at: list[float] = []
    labels: list[str] = []
    for tick in _YEAR_TICKS:
        if years[0] <= tick <= years[-1]:
            position = float(np.interp(tick, years, values))
            if not at or position - at[-1] > gap * (values[-1] - values[0]):
                at.append(position)
                labels.append(f"{tick:g}")
    return at, labels


def plot_ph_residuals(
    panels: pd.DataFrame,
    smooths: pd.DataFrame,
    *,
    title: str,
    references: Mapping[str, object] | None = None,
) -> Figure:
    """One figure for one model: a panel per failing covariate (``term``) with its scaled residuals
    against ``transformed_time``, the smooth and band and a dashed line at ``coef``. ``panels``: rows of
    ``OutcomeAnalysis.ph_residuals`` for that model; ``smooths``: its rows of
    ``OutcomeAnalysis.ph_smooths`` (a covariate without rows is drawn without a smooth)."""
    terms = list(dict.fromkeys(panels["term"].astype(str)))
    ncols = min(len(terms), PANELS_PER_ROW)
    nrows = -(-len(terms) // ncols)
    with style.house_style():
        fig = style.new_figure(0.6 + 2.6 * nrows)
        axes = fig.subplots(nrows, ncols, squeeze=False)
        for index, term in enumerate(terms):
            ax = axes[index // ncols][index % ncols]
            rows = panels[panels["term"].astype(str) == term]
            x = rows["transformed_time"].to_numpy(dtype=np.float64)
            y = rows["residual"].to_numpy(dtype=np.float64)
            coef = float(rows["coef"].iloc[0])
            drawn = _drawn(len(x))
            points = ax.scatter(x[drawn], y[drawn], s=6, color=style.MUTED, alpha=0.45, linewidths=0)
            points.set_gid(GID_RESIDUAL)
            smooth = smooths[smooths["term"].astype(str) == term]
            if len(smooth):
                at = smooth["transformed_time"].to_numpy(dtype=np.float64)
                lower, upper = smooth["lower"].to_numpy(dtype=np.float64), smooth["upper"].to_numpy()
                band = ax.fill_between(at, lower, upper, color=style.colour(0), alpha=style.BAND_ALPHA)
                band.set_gid(GID_BAND)
                (line,) = ax.plot(at, smooth["fit"].to_numpy(dtype=np.float64), color=style.colour(0))
                line.set_gid(GID_SMOOTH)
            reference = ax.axhline(coef, color=style.colour(1), linewidth=1.1, dashes=(4, 3))
            reference.set_gid(GID_COEF)
            at, labels = _year_ticks(rows["time"].to_numpy(dtype=np.float64), x, gap=TICK_GAP * ncols)
            if at:
                ax.set_xticks(at, labels)
            together = int(rows["df"].iloc[0]) > 1  # a factor's levels traced together
            ax.set_ylabel(_("Multiple of the fitted effect") if together else _("β(t), log hazard ratio"))
            # the factor, or the one design column in words ("Sex: male (vs female)")
            column = str(rows["column"].iloc[0])
            title = variable_label(term) if together else term_label(column, references, short=True)
            ax.set_title(title, fontsize=9, fontweight="normal")
        for index in range(len(terms), nrows * ncols):
            axes[index // ncols][index % ncols].set_visible(False)
        fig.supxlabel(_("Years after infusion (Kaplan-Meier scale)"), fontsize=rcParams["axes.labelsize"])
        fig.suptitle(title, x=0.0, ha="left", fontsize=11, fontweight="bold", color=style.INK)
    return fig


def _drawn(n: int) -> NDArray[np.int64] | slice:
    """Which of ``n`` residuals a panel draws: all, or :data:`MAX_POINTS_DRAWN` of them at random
    (seeded, in their order)."""
    if n <= MAX_POINTS_DRAWN:
        return slice(None)
    return np.sort(np.random.default_rng(0).choice(n, MAX_POINTS_DRAWN, replace=False))


def _tests_text(ph: pd.DataFrame | None, stratum: str, model: str, endpoint: str, terms: list[str]) -> str:
    """ "Disease p <0.001; Sex p = 0.012." from the test table, in the order of ``terms``."""
    if ph is None:
        return ""
    tests = ph[(ph["stratum"].astype(str) == stratum) & (ph["model"] == model) & (ph["endpoint"] == endpoint)]
    parts = []
    for term in terms:
        test = tests[tests["term"] == term]
        if not test.empty:
            p_value = format_p(test["p_value"].iloc[0])
            shown = p_value if p_value.startswith("<") else f"= {p_value}"
            parts.append(_("%(covariate)s p %(p)s") % {"covariate": variable_label(term), "p": shown})
    return " " + _("Tests of proportional hazards: %(tests)s.") % {"tests": "; ".join(parts)} if parts else ""


def ph_figures(
    residuals: pd.DataFrame,
    smooths: pd.DataFrame,
    ph: pd.DataFrame | None = None,
    *,
    stratum: str = STRATUM_ALL,
    references: Mapping[str, object] | None = None,
) -> list[FigureBlock]:
    """A figure per model of ``stratum`` with a covariate in ``residuals`` (``OutcomeAnalysis.ph_residuals``:
    the covariates that failed the test), a panel per such covariate, in the order of the analysis, with
    the smooths of ``smooths`` (``OutcomeAnalysis.ph_smooths``); ``ph`` (the test table) puts each test's
    p in the caption."""
    part = residuals[residuals["stratum"].astype(str) == stratum]
    smooths = smooths[smooths["stratum"].astype(str) == stratum]
    blocks: list[FigureBlock] = []
    for (model, endpoint), panels in part.groupby(["model", "endpoint"], sort=False):
        smooth = smooths[(smooths["model"] == model) & (smooths["endpoint"] == endpoint)]
        what = model_title(str(model), str(endpoint))
        terms = list(dict.fromkeys(panels["term"].astype(str)))
        covariates = ", ".join(variable_label(term).lower() for term in terms)
        fig = plot_ph_residuals(
            panels,
            smooth,
            title=_("Proportional hazards: %(model)s") % {"model": what},
            references=references,
        )
        largest = int(panels.groupby(panels["term"].astype(str), sort=False).size().max())
        sample = (
            " " + DRAWN_SAMPLE % {"drawn": format_count(MAX_POINTS_DRAWN), "total": format_count(largest)}
            if largest > MAX_POINTS_DRAWN
            else ""
        )
        blocks.append(
            figure_block(
                fig,
                name=f"ph-{_slug(stratum)}-{_slug(str(model))}-{_slug(str(endpoint))}",
                caption=_(
                    "%(model)s (%(patients)s): scaled Schoenfeld residuals of each covariate that fails "
                    "the test against time, with a smooth and its ±2 SE band; dashed: the model's "
                    "coefficient (1 for a factor of several levels, traced together)."
                )
                % {"model": what, "patients": stratum_label(stratum).lower()}
                + _tests_text(ph, stratum, str(model), str(endpoint), terms)
                + sample,
                alt=_(
                    "Scaled Schoenfeld residuals of %(covariates)s (%(model)s) plotted against time after "
                    "infusion, each with a smoothed curve and a dashed line at the model's coefficient."
                )
                % {"covariates": covariates, "model": what},
            )
        )
    return blocks


def ph_note(alpha: float = PH_ALPHA) -> Paragraph:
    """What the test means, in one paragraph."""
    return Paragraph(NOTE % {"alpha": localise(f"{alpha:g}")}, note=True)


def ph_blocks(
    analysis: OutcomeAnalysis,
    references: Mapping[str, object] | None = None,
    *,
    stratum: str = STRATUM_ALL,
) -> list[Block]:
    """[the PH table, a figure per failing covariate, the note] for ``stratum``; empty when no Cox model
    of that stratum was tested."""
    ph = analysis.proportional_hazards
    if ph.empty or not (ph["stratum"].astype(str) == stratum).any():
        return []
    alpha = analysis.ph_alpha
    return [
        ph_table(ph, stratum, alpha=alpha, references=references),
        *ph_figures(analysis.ph_residuals, analysis.ph_smooths, ph, stratum=stratum, references=references),
        ph_note(alpha),
    ]
