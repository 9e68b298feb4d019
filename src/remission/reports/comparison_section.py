"""A regimen, era or intensity comparison as a report section: the target trial, balance first, then outcomes.

The numbers come from :func:`remission.analysis.comparison.compare` (a
:class:`~remission.analysis.comparison.Comparison`); this module only writes them out and draws them.
The section reads in the order a reader should judge an emulated trial: the protocol, who was left out
and how many remain per group, then the covariate balance (table and love plot) *before* any outcome,
then the hazard ratios, the weighted estimates at fixed times and their curves, the balancing rule and
the notes.

Words for codes are the caller's (``disease_words``, ``treatment_words``, ``comparator_words``);
:func:`protocol_words` gives the usual ones: a regimen by its catalogue name
(:data:`remission.clinical.regimens.REGIMENS`; :mod:`.labels` has no regimen labels), an intensity as
"high-intensity conditioning", an era as "the 2010–2019 era".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext, pgettext
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, PercentFormatter

from remission.analysis.cohorts import column_words
from remission.analysis.comparison import (
    COX,
    FINE_GRAY,
    ROBUST,
    ROBUST_CLUSTERED,
    SANDWICH,
    SMD_LIMIT,
    SPLINE_COLUMNS,
    Comparison,
    ComparisonProtocol,
)
from remission.clinical.diseases import DISEASES
from remission.clinical.regimens import REGIMENS
from remission.reports import style
from remission.reports.document import Document, FigureBlock, KeyValues, Paragraph, Section, Table
from remission.reports.images import figure_block
from remission.reports.labels import disease_label, endpoint_label, level_label, term_label, variable_label
from remission.reports.methods import cite, software_versions
from remission.reports.numbers import (
    MISSING,
    format_count,
    format_date,
    format_number,
    format_p,
    format_percent,
    format_percent_ci,
    format_ratio,
    localise,
    percent_sign,
)
from remission.reports.tables import software_table
from remission.reports.timescale import DAYS_PER_YEAR, time_scale

ANCHOR = "comparison"
METHODS_ANCHOR = "comparison-methods"
GROUPS: tuple[str, ...] = ("treatment", "comparator")
ENDPOINTS: tuple[str, ...] = ("OS", "PFS", "relapse/progression", "NRM")
SURVIVAL_ENDPOINTS = frozenset({"OS", "PFS"})
CURVE_COLUMNS: tuple[str, ...] = ("endpoint", "group", "time_days", "estimate", "std_err", "lower", "upper")
ANY_DISEASE = gettext_noop("any autoimmune disease")
SMD_DECIMALS = 3
MEAN_DECIMALS = 2

# artist ids (``Artist.get_gid()``) the tests read back
GID_BEFORE = "smd-before"
GID_AFTER = "smd-after"
GID_LIMIT = "smd-limit"
GID_STEP = "weighted-step"
GID_BAND = "weighted-band"
GID_POINT = "weighted-point"

NO_TERMS = "balance: nothing to plot, the table has no term"
NO_SMD = "balance: column 'smd_before' is missing (a remission.survival.balance_table frame is expected)"
NO_ENDPOINT = "curves: endpoint {endpoint!r} has no row (present: {present})"
MISSING_COLUMNS = "{name}: column(s) {columns} missing; expected {expected}"
NO_WORDS = "words: no words for group {group!r} (give 'treatment' and 'comparator')"

# words for covariates that labels.VARIABLES does not name
_COVARIATE_WORDS: dict[str, str] = {"hct_ci": gettext_noop("HCT-CI score")}
_UNRECORDED = "unrecorded"
# what balancing was done, as a noun inside a sentence ("after weighting"); the codes are the arguments
_BALANCING_WORDS: dict[str, str] = {
    "weighting": gettext_noop("weighting"),
    "matching": gettext_noop("matching"),
    "balancing": gettext_noop("balancing"),
}
# the effects table's model and variance codes (marked in remission.analysis.comparison; English in the CSV)
_EFFECT_WORDS = frozenset({COX, FINE_GRAY, ROBUST, ROBUST_CLUSTERED, SANDWICH})


# --- words -------------------------------------------------------------------------------------------


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sentence_case(name: str) -> str:
    """A disease name inside a sentence: "Multiple sclerosis" -> "multiple sclerosis"; acronyms ("SLE")
    and eponyms ("Crohn's disease") stay as they are."""
    first = name.split(" ", 1)[0]
    if "'" in first or "’" in first or first[1:] != first[1:].lower():
        return name
    return name[:1].lower() + name[1:]


def era_words(level: str) -> str:
    """An era as words: "2010–2019" -> "the 2010–2019 era", "≥2020" -> "the era from 2020"."""
    if level.startswith("≥"):
        return _("the era from %(year)s") % {"year": level[1:]}
    if level.startswith("≤"):
        return _("the era up to %(year)s") % {"year": level[1:]}
    return _("the %(era)s era") % {"era": level}


def strategy_words(by: str, level: str) -> str:
    """A compared strategy in words: a regimen by its catalogue name ("cy200_ratg" -> "Cy 200 mg/kg +
    rabbit ATG"), an intensity as "high-intensity conditioning", an era as :func:`era_words`."""
    if by == "regimen":
        regimen = REGIMENS.get(level)
        return regimen.name if regimen is not None else level
    if by == "intensity":
        return _("%(intensity)s-intensity conditioning") % {
            "intensity": level_label("intensity", level).lower()
        }
    if by == "era":
        return era_words(level)
    return level_label(by, level)


def disease_in_words(code: str | None) -> str:
    """The disease as a sentence reads it ("multiple sclerosis"); every disease when ``code`` is None."""
    return _(ANY_DISEASE) if code is None else _sentence_case(disease_label(code))


def comparison_title(*, disease_words: str, treatment_words: str, comparator_words: str) -> str:
    """The section's title: "Cy 200 mg/kg + rabbit ATG vs BEAM + rabbit ATG in multiple sclerosis"."""
    return _capitalise(
        _("%(treatment)s vs %(comparator)s in %(disease)s")
        % {"treatment": treatment_words, "comparator": comparator_words, "disease": disease_words}
    )


def protocol_words(protocol: ComparisonProtocol) -> dict[str, str]:
    """The usual words of a protocol's codes: keys ``disease_words``, ``treatment_words``,
    ``comparator_words`` and ``title`` (the keyword arguments of :func:`comparison_document`)."""
    words = {
        "disease_words": disease_in_words(protocol.disease),
        "treatment_words": strategy_words(protocol.by, protocol.treatment),
        "comparator_words": strategy_words(protocol.by, protocol.comparator),
    }
    return {**words, "title": comparison_title(**words)}


def _covariate_words(name: str) -> str:
    return _(_COVARIATE_WORDS[name]) if name in _COVARIATE_WORDS else variable_label(name)


def _level_words(name: str, level: str, disease: str | None) -> str:
    if level == _UNRECORDED:
        return _("not recorded")
    if name == "subtype" and disease in DISEASES:
        subtype = DISEASES[disease].subtypes.get(level)
        return _(subtype) if subtype else level  # the catalogue's names are marked in clinical/
    return level_label(name, level)


def balance_term_label(term: str, covariates: Sequence[str] = (), disease: str | None = None) -> str:
    """A balance term in words: a covariate ("age" -> "Age at infusion, years") or one level of a
    factor, named column + level as :func:`remission.survival.balance_columns` names it ("sexmale" ->
    "Sex: Male"; "subtyperrms" in MS -> "Subtype: Relapsing-remitting MS"). Terms of no covariate in
    ``covariates`` are read by :func:`remission.reports.labels.term_label`."""
    for name in sorted(covariates, key=len, reverse=True):  # longest first: "age_x" before "age"
        if term == name:
            return _covariate_words(name)
        if term.startswith(name):
            return _("%(factor)s: %(level)s") % {
                "factor": _covariate_words(name),
                "level": _level_words(name, term[len(name) :], disease),
            }
    return term_label(term)


def _balance_labels(comparison: Comparison) -> dict[str, str]:
    protocol = comparison.protocol
    return {
        str(term): balance_term_label(str(term), protocol.covariates, protocol.disease)
        for term in comparison.balance.index
    }


def _balancing(protocol: ComparisonProtocol) -> str:
    """The balancing's code ("matching", "weighting"), worded by :func:`_balancing_words` when shown."""
    return "matching" if protocol.method == "matching" else "weighting"


def _balancing_words(balancing: str) -> str:
    """What balancing was done as a noun in a sentence, in the reader's language ("weighting")."""
    return _(_BALANCING_WORDS[balancing]) if balancing in _BALANCING_WORDS else balancing


def _effect_words(code: str) -> str:
    """A model or variance of the effects table in the reader's language (its CSV keeps the code)."""
    return _(code) if code in _EFFECT_WORDS else code


def _limit(limit: float) -> str:
    return localise(f"{limit:g}")


def _years(days: float) -> str:
    years = days / DAYS_PER_YEAR
    if abs(years - round(years)) < 1e-9:
        return ngettext("%(n)s year", "%(n)s years", round(years)) % {"n": round(years)}
    return ngettext("%(n)s day", "%(n)s days", 1 if days == 1 else 2) % {"n": localise(f"{days:g}")}


def _check_columns(frame: pd.DataFrame, expected: Sequence[str], name: str) -> None:
    missing = [c for c in expected if c not in frame.columns]
    if missing:
        raise ValueError(
            MISSING_COLUMNS.format(name=name, columns=", ".join(missing), expected=", ".join(expected))
        )


# --- love plot ---------------------------------------------------------------------------------------


def plot_love(
    balance: pd.DataFrame,
    *,
    limit: float = SMD_LIMIT,
    labels: Mapping[str, str] | None = None,
    title: str | None = None,
    after_label: str | None = None,
) -> Figure:
    """The love plot: one row per term (top to bottom in the table's order), its absolute standardised
    mean difference before (open circle) and after (filled circle) balancing, a dashed line at ``limit``.

    ``balance`` is a :func:`remission.survival.balance_table` frame (index = term); without ``smd_after``
    only the "before" circles are drawn. ``labels`` maps terms to words (default
    :func:`remission.reports.labels.term_label`). A missing SMD is not drawn. ``title`` (default "Covariate
    balance") and ``after_label`` (default "After balancing") in the reader's language.
    """
    if len(balance.index) == 0:
        raise ValueError(NO_TERMS)
    if "smd_before" not in balance.columns:
        raise ValueError(NO_SMD)
    names = [(labels or {}).get(str(t)) or term_label(str(t)) for t in balance.index]
    before = np.abs(balance["smd_before"].to_numpy(dtype=np.float64))
    after = np.abs(balance["smd_after"].to_numpy(dtype=np.float64)) if "smd_after" in balance else None
    n = len(names)
    y = np.arange(n)[::-1].astype(np.float64)
    shown = np.concatenate([before, after if after is not None else []])
    shown = shown[np.isfinite(shown)]
    right = max(limit * 1.5, float(shown.max()) * 1.08 if shown.size else 0.0)
    with style.house_style():
        fig = style.new_figure(1.1 + 0.24 * n)
        ax = fig.add_subplot()
        line = ax.axvline(limit, color=style.MUTED, linestyle="--", linewidth=0.9, zorder=1)
        line.set_gid(GID_LIMIT)
        (points,) = ax.plot(
            before, y, linestyle="none", marker="o", markersize=5.5, markerfacecolor="white",
            markeredgecolor=style.colour(1), markeredgewidth=1.3, label=_("Before balancing"), zorder=3,
        )  # fmt: skip
        points.set_gid(GID_BEFORE)
        if after is not None:
            (points,) = ax.plot(
                after, y, linestyle="none", marker="o", markersize=5.5, color=style.colour(0),
                label=after_label or _("After balancing"), zorder=4,
            )  # fmt: skip
            points.set_gid(GID_AFTER)
        ax.set_xlim(0.0, right)
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_yticks(y, names)
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel(_("Absolute standardised mean difference"))
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
        fig.suptitle(
            title or _("Covariate balance"), x=0.0, ha="left", fontsize=11, fontweight="bold", color=style.INK
        )
    return fig


def love_plot(
    balance: pd.DataFrame,
    *,
    limit: float = SMD_LIMIT,
    labels: Mapping[str, str] | None = None,
    balancing: str = "balancing",
    name: str = "love-plot",
) -> FigureBlock:
    """:func:`plot_love` as a report figure, with its caption and alternative text; ``balancing`` is the
    code of what was done ("weighting", "matching", "balancing"), worded in the reader's language."""
    done = _balancing_words(balancing)
    fig = plot_love(
        balance, limit=limit, labels=labels, after_label=_("After %(balancing)s") % {"balancing": done}
    )
    n = len(balance.index)
    values = {"balancing": done, "limit": _limit(limit), "n": n}
    if "smd_after" in balance:
        values["above"] = int((balance["smd_after"].abs() > limit).sum())
        caption = _(
            "Love plot: the absolute standardised mean difference between the groups of each covariate (each "
            "level of a category) before (open circles) and after (filled circles) %(balancing)s. The dashed "
            "line marks %(limit)s: above it a covariate counts as imbalanced."
        )
        alt = ngettext(
            "Dot plot of the absolute standardised mean differences of %(n)s covariate term; %(above)s of "
            "%(n)s above %(limit)s after %(balancing)s.",
            "Dot plot of the absolute standardised mean differences of %(n)s covariate terms; %(above)s of "
            "%(n)s above %(limit)s after %(balancing)s.",
            n,
        )
    else:
        caption = _(
            "Love plot: the absolute standardised mean difference between the groups of each covariate (each "
            "level of a category) (unbalanced: open circles). The dashed line marks %(limit)s: above it a "
            "covariate counts as imbalanced."
        )
        alt = ngettext(
            "Dot plot of the absolute standardised mean differences of %(n)s covariate term.",
            "Dot plot of the absolute standardised mean differences of %(n)s covariate terms.",
            n,
        )
    return figure_block(fig, name, caption % values, alt % values)


# --- weighted curves -------------------------------------------------------------------------------


def _incidence_top(values: np.ndarray) -> float:
    top = float(values.max()) if values.size else 0.0
    for ceiling in (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0):
        if top * 1.08 <= ceiling:
            return ceiling
    return 1.02


def _group_words(words: Mapping[str, str]) -> dict[str, str]:
    for group in GROUPS:
        if group not in words:
            raise ValueError(NO_WORDS.format(group=group))
    return {group: _capitalise(words[group]) for group in GROUPS}


def plot_weighted_curves(
    curves: pd.DataFrame,
    endpoint: str,
    words: Mapping[str, str],
    *,
    steps: pd.DataFrame | None = None,
    title: str | None = None,
) -> Figure:
    """The two groups' weighted estimates of ``endpoint``: survival (OS, PFS) or cumulative incidence
    (relapse/progression, NRM).

    ``curves`` has the columns of :attr:`Comparison.curves` (estimates at a few times): each group is
    drawn as points with their 95% confidence bars, set a little apart so that the bars do not hide each
    other; nothing is drawn between the times. ``steps``, the same columns at every event time, draws
    the step curves with pointwise 95% bands instead (from 1 for survival, 0 for incidence, at day 0).
    ``words`` names the groups: keys "treatment" and "comparator".
    """
    names = _group_words(words)
    source = steps if steps is not None else curves
    _check_columns(source, CURVE_COLUMNS, "steps" if steps is not None else "curves")
    part = source[source["endpoint"] == endpoint]
    if part.empty:
        present = ", ".join(map(str, dict.fromkeys(source["endpoint"]))) or "none"
        raise ValueError(NO_ENDPOINT.format(endpoint=endpoint, present=present))
    survival = endpoint in SURVIVAL_ENDPOINTS
    start = 1.0 if survival else 0.0
    horizon_days = max(float(part["time_days"].max()), 1.0)
    unit = time_scale("auto", horizon_days)
    horizon = float(unit.from_days(horizon_days))
    with style.house_style():
        fig = style.new_figure(3.4)
        ax = fig.add_subplot()
        for index, group in enumerate(GROUPS):
            mine = part[part["group"] == group].sort_values("time_days", kind="stable")
            if mine.empty:
                continue
            colour = style.colour(index)
            x = unit.from_days(mine["time_days"].to_numpy(dtype=np.float64))
            estimate = mine["estimate"].to_numpy(dtype=np.float64)
            lower = mine["lower"].to_numpy(dtype=np.float64)
            upper = mine["upper"].to_numpy(dtype=np.float64)
            if steps is not None:
                xs = np.concatenate([[0.0], x])
                band = ax.fill_between(
                    xs, np.concatenate([[start], np.where(np.isnan(lower), estimate, lower)]),
                    np.concatenate([[start], np.where(np.isnan(upper), estimate, upper)]),
                    step="post", color=colour, alpha=style.BAND_ALPHA, linewidth=0,
                )  # fmt: skip
                band.set_gid(GID_BAND)
                (line,) = ax.step(
                    xs, np.concatenate([[start], estimate]), where="post", color=colour, label=names[group]
                )
                line.set_gid(GID_STEP)
            else:
                shift = (index - 0.5) * 0.025 * horizon
                bars = np.vstack([np.clip(estimate - lower, 0.0, None), np.clip(upper - estimate, 0.0, None)])
                drawn = ax.errorbar(
                    x + shift, estimate, yerr=bars, fmt="o", color=colour, markersize=5, capsize=3,
                    elinewidth=1.2, label=names[group],
                )  # fmt: skip
                drawn.lines[0].set_gid(GID_POINT)
        ax.set_xlim(0.0, horizon * 1.06)
        ax.xaxis.set_major_locator(FixedLocator(unit.ticks(horizon)))
        ax.set_xlabel(str(unit.axis_label))
        if survival:
            ax.set_ylim(0.0, 1.02)
            ax.set_ylabel(_("%(endpoint)s (weighted)") % {"endpoint": endpoint_label(endpoint)})
        else:
            values = part[["estimate", "upper"]].to_numpy(dtype=np.float64).ravel()
            ax.set_ylim(0.0, _incidence_top(values[np.isfinite(values)]))
            ax.set_ylabel(_("Cumulative incidence (weighted)"))
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
        heading = title or endpoint_label(endpoint)
        fig.suptitle(heading, x=0.0, ha="left", fontsize=11, fontweight="bold", color=style.INK)
    return fig


def weighted_curves_figure(
    curves: pd.DataFrame,
    endpoint: str,
    words: Mapping[str, str],
    *,
    steps: pd.DataFrame | None = None,
    balancing: str = "weighting",
) -> FigureBlock:
    """:func:`plot_weighted_curves` as a report figure; the caption says what is drawn (``balancing``: the
    code of what was done, worded in the reader's language)."""
    fig = plot_weighted_curves(curves, endpoint, words, steps=steps)
    label = endpoint_label(endpoint)
    survival = endpoint in SURVIVAL_ENDPOINTS
    times = sorted(dict.fromkeys(curves.loc[curves["endpoint"] == endpoint, "time_days"]))
    values = {
        "endpoint": label,
        "balancing": _balancing_words(balancing),
        "times": ", ".join(_years(t) for t in times),
    }
    if steps is not None and survival:
        drawn = _(
            "%(endpoint)s: the weighted (after %(balancing)s) survival of each group at every event time, "
            "with pointwise 95%% confidence bands."
        )
    elif steps is not None:
        drawn = _(
            "%(endpoint)s: the weighted (after %(balancing)s) cumulative incidence (competing risks) of each "
            "group at every event time, with pointwise 95%% confidence bands."
        )
    elif survival:
        drawn = _(
            "%(endpoint)s: the weighted (after %(balancing)s) survival of each group at %(times)s, with 95%% "
            "confidence intervals; the points of the two groups are set slightly apart, and the curves "
            "between the times are not drawn."
        )
    else:
        drawn = _(
            "%(endpoint)s: the weighted (after %(balancing)s) cumulative incidence (competing risks) of each "
            "group at %(times)s, with 95%% confidence intervals; the points of the two groups are set "
            "slightly apart, and the curves between the times are not drawn."
        )
    drawn %= values
    names = _group_words(words)
    alt = _("%(endpoint)s, weighted estimates: %(treatment)s and %(comparator)s.") % {
        "endpoint": label,
        "treatment": names["treatment"],
        "comparator": names["comparator"],
    }
    slug = endpoint.lower().replace("/", "-")
    return figure_block(fig, f"comparison-{slug}", drawn, alt)


# --- tables -----------------------------------------------------------------------------------------


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size ``(Σw)² / Σw²`` of the patients with a positive weight."""
    w = np.asarray(weights, dtype=np.float64)
    w = w[w > 0]
    return float(w.sum() ** 2 / np.sum(w**2)) if w.size else 0.0


def group_numbers(comparison: Comparison) -> pd.DataFrame:
    """Per group: eligible patients, those analysed (weight above 0: matched or kept after trimming),
    the sum of the weights and Kish's effective sample size."""
    rows = comparison.rows
    out = []
    for group, code in zip(GROUPS, (1, 0), strict=True):
        w = rows.loc[rows["treated"] == code, "weight"].to_numpy(dtype=np.float64)
        out.append((group, int(w.size), int((w > 0).sum()), float(w.sum()), effective_sample_size(w)))
    return pd.DataFrame(out, columns=["group", "patients", "analysed", "sum_of_weights", "effective_n"])


def left_out_table(comparison: Comparison) -> Table | Paragraph:
    """Who the protocol left out, by reason, as :func:`remission.analysis.comparison.eligible` counted."""
    if not comparison.left_out:
        return Paragraph(_("No patient of the analysis set was left out of the comparison."))
    # the reasons in the report's language, in the CSV too (as the patient flow's)
    data = pd.DataFrame([(str(r), n) for r, n in comparison.left_out], columns=["reason", "patients"])
    return Table(
        caption=_("Left out of the comparison (in this order; a patient is counted under the first reason)"),
        header=(_("Reason"), _("Patients")),
        rows=tuple((str(reason), format_count(n)) for reason, n in comparison.left_out),
        csv_name="comparison_left_out.csv",
        data=data,
        numeric_columns=(1,),
    )


def groups_table(comparison: Comparison, names: Mapping[str, str]) -> Table:
    """The numbers per group (:func:`group_numbers`)."""
    data = group_numbers(comparison)
    matching = comparison.protocol.method == "matching"
    analysed = _("Matched") if matching else _("Weight above 0")
    return Table(
        caption=_("Patients compared"),
        header=(_("Group"), _("Eligible"), analysed, _("Sum of weights"), _("Effective sample size")),
        rows=tuple(
            (
                _capitalise(names[str(r.group)]),
                format_count(r.patients),
                format_count(r.analysed),
                format_number(r.sum_of_weights, 1),
                format_number(r.effective_n, 1),
            )
            for r in data.itertuples(index=False)
        ),
        csv_name="comparison_groups.csv",
        data=data,
        numeric_columns=(1, 2, 3, 4),
        note=_(
            "Effective sample size: (Σw)²/Σw² (Kish), the number of equally weighted patients that would "
            "carry as much information as the weighted group."
        ),
    )


def _mean(value: float, binary: bool) -> str:
    if binary:
        text = format_percent(value)
        return text if text == MISSING else percent_sign(text)
    return format_number(value, MEAN_DECIMALS)


def balance_table_block(
    balance: pd.DataFrame, labels: Mapping[str, str], names: Mapping[str, str], balancing: str
) -> Table:
    """Means (proportions for the levels of a category) and SMDs before and after balancing, and the
    variance ratio after (of a continuous covariate); ``balancing``: the code of what was done."""
    after = "smd_after" in balance.columns
    treatment, comparator = _capitalise(names["treatment"]), _capitalise(names["comparator"])
    header: tuple[str, ...] = (
        _("Covariate"),
        _("%(group)s, before") % {"group": treatment},
        _("%(group)s, before") % {"group": comparator},
        _("SMD before"),
    )
    if after:
        header += (
            _("%(group)s, after") % {"group": treatment},
            _("%(group)s, after") % {"group": comparator},
            _("SMD after"),
            _("Variance ratio after"),
        )
    rows = []
    for term, r in balance.iterrows():
        binary = bool(r["binary"])
        row: tuple[str, ...] = (
            labels.get(str(term), str(term)),
            _mean(r["mean_treated_before"], binary),
            _mean(r["mean_control_before"], binary),
            format_number(r["smd_before"], SMD_DECIMALS),
        )
        if after:
            row += (
                _mean(r["mean_treated_after"], binary),
                _mean(r["mean_control_after"], binary),
                format_number(r["smd_after"], SMD_DECIMALS),
                MISSING if binary else format_number(r["var_ratio_after"], 2),
            )
        rows.append(row)
    return Table(
        caption=_(
            "Covariate balance before and after %(balancing)s: means (for a category, the percentage with "
            "each level) and standardised mean differences (SMD)"
        )
        % {"balancing": _balancing_words(balancing)},
        header=header,
        rows=tuple(rows),
        csv_name="comparison_balance.csv",
        data=balance.rename_axis("term").reset_index(),
        numeric_columns=tuple(range(1, len(header))),
        note=_(
            "SMD: difference of the means over the standard deviation (unweighted, the same before and "
            "after); variance ratio: treatment over comparator, weighted; – : not defined (a category)."
        ),
    )


def balance_sentence(comparison: Comparison, labels: Mapping[str, str], *, limit: float = SMD_LIMIT) -> str:
    balancing = _balancing_words(_balancing(comparison.protocol))
    if "smd_after" not in comparison.balance.columns:
        return _("No balancing weights: the table shows the groups as they are.")
    if comparison.imbalanced:
        terms = "; ".join(labels.get(t, t) for t in comparison.imbalanced)
        return _(
            "Still imbalanced after %(balancing)s (absolute SMD above %(limit)s): %(terms)s. The outcome "
            "estimates below may be confounded by these covariates."
        ) % {"balancing": balancing, "limit": _limit(limit), "terms": terms}
    largest = float(comparison.balance["smd_after"].abs().max())
    return _(
        "After %(balancing)s every covariate is balanced: the largest absolute SMD is %(largest)s (limit "
        "%(limit)s)."
    ) % {"balancing": balancing, "largest": format_number(largest, SMD_DECIMALS), "limit": _limit(limit)}


def effects_table(comparison: Comparison, names: Mapping[str, str]) -> Table:
    effects = comparison.effects
    return Table(
        caption=_(
            "Effect of %(treatment)s vs %(comparator)s: hazard ratios (95%% CI) of the weighted models "
            "(Fine-Gray: subdistribution hazard ratios)"
        )
        % {"treatment": names["treatment"], "comparator": names["comparator"]},
        header=(
            _("Endpoint"),
            _("Model"),
            _("Hazard ratio (95% CI)"),
            pgettext("p-value", "p"),
            _("Variance"),
        ),
        rows=tuple(
            (
                endpoint_label(str(r.endpoint)),
                _effect_words(str(r.model)),
                format_ratio(r.hazard_ratio, r.lower, r.upper),
                format_p(r.p_value),
                _effect_words(str(r.variance)),
            )
            for r in effects.itertuples(index=False)
        ),
        csv_name="comparison_effects.csv",
        data=effects,
        numeric_columns=(2, 3),
        note=_("A ratio below 1: a lower hazard of the event with %(treatment)s.")
        % {"treatment": names["treatment"]},
    )


def _endpoints(curves: pd.DataFrame) -> list[str]:
    present = list(dict.fromkeys(map(str, curves["endpoint"])))
    return [e for e in ENDPOINTS if e in present] + [e for e in present if e not in ENDPOINTS]


def estimates_table(comparison: Comparison, names: Mapping[str, str]) -> Table:
    """Per endpoint (a heading row) and group: the weighted estimate at each time, % (95% CI)."""
    curves = comparison.curves
    times = sorted(dict.fromkeys(float(t) for t in curves["time_days"]))
    header = (_("Endpoint and group"), *(_years(t) for t in times))
    rows: list[tuple[str, ...]] = []
    group_rows: list[int] = []
    for endpoint in _endpoints(curves):
        group_rows.append(len(rows))
        rows.append((endpoint_label(endpoint), *([""] * len(times))))
        for group in GROUPS:
            mine = curves[(curves["endpoint"] == endpoint) & (curves["group"] == group)]
            at = mine.drop_duplicates("time_days").set_index("time_days")
            values = [
                format_percent_ci(at.at[t, "estimate"], at.at[t, "lower"], at.at[t, "upper"])
                if t in at.index
                else MISSING
                for t in times
            ]
            rows.append((_capitalise(names[group]), *values))
    return Table(
        caption=_(
            "Weighted estimates, % (95% CI): survival (overall, progression-free) and cumulative incidence "
            "(relapse or progression, non-relapse mortality)"
        ),
        header=header,
        rows=tuple(rows),
        csv_name="comparison_estimates.csv",
        data=curves,
        numeric_columns=tuple(range(1, len(header))),
        group_rows=tuple(group_rows),
    )


# --- section, methods, document --------------------------------------------------------------------


def comparison_section(
    comparison: Comparison,
    *,
    disease_words: str,
    treatment_words: str,
    comparator_words: str,
    steps: pd.DataFrame | None = None,
    title: str | None = None,
) -> Section:
    """The comparison as a report section: the protocol, who was left out and the numbers per group, the
    balance (table, love plot, the imbalanced covariates named), the hazard ratios, the weighted
    estimates and their curves (``steps``: full step curves, see :func:`plot_weighted_curves`), the
    balancing rule and the notes."""
    protocol = comparison.protocol
    names = {"treatment": treatment_words, "comparator": comparator_words}
    labels = _balance_labels(comparison)
    balancing = _balancing(protocol)
    heading = title or comparison_title(
        disease_words=disease_words, treatment_words=treatment_words, comparator_words=comparator_words
    )
    blocks: list = [
        Paragraph(_("The target trial this comparison emulates:")),
        KeyValues(
            tuple(
                (str(part), str(text))
                for part, text in protocol.sections(disease_words, treatment_words, comparator_words)
            )
        ),
        left_out_table(comparison),
        groups_table(comparison, names),
        Paragraph(
            _("Balance first, before any outcome: the groups compared after %(balancing)s.")
            % {"balancing": _balancing_words(balancing)}
        ),
        balance_table_block(comparison.balance, labels, names, balancing),
    ]
    if len(comparison.balance.index):
        blocks.append(love_plot(comparison.balance, labels=labels, balancing=balancing))
    blocks.append(Paragraph(balance_sentence(comparison, labels)))
    if comparison.effects.empty:
        blocks.append(Paragraph(_("No hazard ratio could be estimated (see the notes below).")))
    else:
        blocks.append(effects_table(comparison, names))
    if not comparison.curves.empty:
        blocks.append(estimates_table(comparison, names))
        for endpoint in _endpoints(comparison.curves):
            mine = steps if steps is not None and (steps["endpoint"] == endpoint).any() else None
            blocks.append(
                weighted_curves_figure(comparison.curves, endpoint, names, steps=mine, balancing=balancing)
            )
    blocks.append(Paragraph(_("Balancing rule: %(rule)s") % {"rule": comparison.rule}))
    blocks += [Paragraph(f"• {note}", note=True) for note in comparison.notes]
    return Section(heading, tuple(blocks), ANCHOR)


def _and_list(items: Sequence[str]) -> str:
    """ "a, b and c" in the reader's language."""
    if len(items) < 2:
        return "".join(items)
    return _("%(items)s and %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def comparison_methods(comparison: Comparison) -> str:
    """One methods paragraph for the comparison, its sources cited (printed by
    :func:`remission.reports.methods.cite`), in the reader's language."""
    p = comparison.protocol
    covariates = _and_list([str(column_words(c)) for c in p.model_covariates])
    splines = _and_list([str(column_words(c)) for c in SPLINE_COLUMNS if c in p.model_covariates])
    if splines:
        score = _(
            "The probability of being given the treatment (the propensity score) was estimated by logistic "
            "regression on %(covariates)s (%(splines)s as a natural cubic spline with %(df)s degrees of "
            "freedom)."
        ) % {"covariates": covariates, "splines": splines, "df": p.spline_df}
    else:
        score = _(
            "The probability of being given the treatment (the propensity score) was estimated by logistic "
            "regression on %(covariates)s."
        ) % {"covariates": covariates}
    if p.method == "matching":
        balancing = ngettext(
            "Each patient given the treatment was matched to %(ratio)s comparator patient, nearest on the "
            "logit of the score, without replacement and within a caliper of %(caliper)s standard deviations "
            "of that logit [@Austin2011, abstract]; the effect estimated is that in the treated (ATT), and "
            "the Cox models' variances are clustered on the matched set.",
            "Each patient given the treatment was matched to %(ratio)s comparator patients, nearest on the "
            "logit of the score, without replacement and within a caliper of %(caliper)s standard deviations "
            "of that logit [@Austin2011, abstract]; the effect estimated is that in the treated (ATT), and "
            "the Cox models' variances are clustered on the matched set.",
            p.ratio,
        ) % {"ratio": p.ratio, "caliper": _limit(p.caliper)}
    elif p.estimand == "overlap":
        balancing = _(
            "Patients were weighted by overlap weights (each patient's probability of the other strategy), "
            "which target the patients for whom either strategy was a plausible choice [@Li2018, abstract]."
        )
    elif p.estimand == "ATE":
        balancing = (
            _("Patients were weighted by stabilised inverse-probability weights for everyone eligible (ATE).")
            if p.stabilised
            else _("Patients were weighted by inverse-probability weights for everyone eligible (ATE).")
        )
    else:
        balancing = (
            _(
                "Patients were weighted by stabilised inverse-probability weights for those given the "
                "treatment (ATT)."
            )
            if p.stabilised
            else _(
                "Patients were weighted by inverse-probability weights for those given the treatment (ATT)."
            )
        )
    if p.method == "weighting" and p.trim == "crump":
        balancing += " " + _("Scores were trimmed by the Crump rule.")
    elif p.method == "weighting" and p.trim is not None:
        balancing += " " + _("Scores were trimmed to scores within %(low)s–%(high)s.") % {
            "low": _limit(p.trim[0]),
            "high": _limit(p.trim[1]),
        }
    if p.contrast == "ATT":
        balance = _(
            "Balance, shown before the outcomes, was assessed by the standardised mean difference of each "
            "covariate (each level of a category) before and after balancing, with the unweighted standard "
            "deviation of the treated group as the scale; an absolute difference above %(limit)s counts as "
            "imbalance [@Austin2009, abstract]."
        )
    else:
        balance = _(
            "Balance, shown before the outcomes, was assessed by the standardised mean difference of each "
            "covariate (each level of a category) before and after balancing, with the unweighted standard "
            "deviation pooled over the two groups as the scale; an absolute difference above %(limit)s "
            "counts as imbalance [@Austin2009, abstract]."
        )
    sentences = (
        _(
            "The comparison was designed as the emulation of a target trial [@Hernan2016, abstract], with "
            "the eligibility, strategies, time zero (day 0, the infusion), outcomes and causal contrast "
            "stated in its protocol."
        ),
        score,
        balancing,
        balance % {"limit": _limit(SMD_LIMIT)},
        _(
            "Overall and progression-free survival and the cumulative incidences of relapse or progression "
            "and of non-relapse mortality (competing risks) were estimated per group with the weights by the "
            "Aalen-Johansen estimator [@Aalen1978], which for survival equals the weighted Kaplan-Meier "
            "estimate, with infinitesimal-jackknife standard errors."
        ),
        _(
            "Hazard ratios come from weighted Cox models [@Cox1972] with a robust (sandwich) variance, and "
            "subdistribution hazard ratios of relapse or progression and of non-relapse mortality from "
            "weighted Fine-Gray models [@FineGray1999] with a sandwich variance."
        ),
        _(
            "The estimates are causal only if no confounder is missing from the covariates and every patient "
            "could have been given either strategy."
        ),
    )
    return cite(" ".join(sentences))


def comparison_document(
    comparison: Comparison,
    *,
    disease_words: str,
    treatment_words: str,
    comparator_words: str,
    generated: dt.date,
    cutoff: dt.date | None,
    title: str | None = None,
    steps: pd.DataFrame | None = None,
) -> Document:
    """A standalone document (``remission compare``): the comparison section, then the methods and the
    software versions. ``cutoff`` None: follow-up runs to each patient's latest contact."""
    heading = title or comparison_title(
        disease_words=disease_words, treatment_words=treatment_words, comparator_words=comparator_words
    )
    section = comparison_section(
        comparison, disease_words=disease_words, treatment_words=treatment_words,
        comparator_words=comparator_words, steps=steps, title=heading,
    )  # fmt: skip
    methods = Section(
        _("Methods"),
        (Paragraph(comparison_methods(comparison)), software_table(software_versions())),
        METHODS_ANCHOR,
    )
    if cutoff is not None:
        subtitle = _("Emulated target trial · data cut-off %(cutoff)s · generated %(generated)s") % {
            "cutoff": format_date(cutoff),
            "generated": format_date(generated),
        }
    else:
        subtitle = _("Emulated target trial · data cut-off latest contact · generated %(generated)s") % {
            "generated": format_date(generated)
        }
    return Document(title=heading, subtitle=subtitle, sections=(section, methods))
