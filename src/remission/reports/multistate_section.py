"""The outcomes report's multi-state section: where the patients are over time after the infusion.

The numbers come from :func:`remission.analysis.multistate.state_occupation` (Aalen-Johansen state
occupation probabilities); this module draws them stacked and tabulates them at fixed times.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext
from matplotlib.figure import Figure

from remission.analysis.multistate import (
    RULE,
    TRANSITIONS,
    StateOccupation,
    TransitionModels,
    transition_words,
)
from remission.analysis.outcomes import TIMEPOINTS
from remission.analysis.words import words
from remission.reports import style
from remission.reports.curves import GID_STACK, finish_stacked
from remission.reports.document import FigureBlock, Paragraph, Section, Table
from remission.reports.images import figure_block
from remission.reports.labels import term_label
from remission.reports.numbers import (
    format_count,
    format_p,
    format_percent,
    format_percent_ci,
    format_ratio,
    percent_sign,
)
from remission.reports.tables import timepoint_label
from remission.reports.timescale import time_scale

TITLE = gettext_lazy("Course after infusion: a multi-state view")
MIN_AT_RISK = 10  # the plot ends where fewer patients are still followed (the tail is a staircase)
STATE_WORDS = {
    "transplanted": gettext_lazy("Transplanted, no response yet"),
    "response": gettext_lazy("Response"),
    "relapse/progression": gettext_lazy("Relapse or progression"),
    "death without relapse": gettext_lazy("Death without relapse (NRM)"),
    "death after relapse": gettext_lazy("Death after relapse"),
}


def state_words(state: object) -> str:
    return str(STATE_WORDS.get(str(state), str(state)))


def transition_label(transition: str) -> str:
    """A transition of the tables ("transplanted → response") in the reader's language."""
    for origin, target in TRANSITIONS:
        if transition == f"{origin} → {target}":
            return str(transition_words(origin, target))
    return transition


def plot_state_occupation(occupation: StateOccupation, *, title: str, subtitle: str = "") -> Figure:
    """The state occupation probabilities stacked: at every time the layers add up to all patients. The
    living states are drawn first (bottom), the deaths on top; the time axis ends at the last time with at
    least :data:`MIN_AT_RISK` patients still followed."""
    fit = occupation.fit
    at_risk = fit.n_risk.sum(axis=1)
    enough = np.flatnonzero(at_risk >= MIN_AT_RISK)
    horizon_d = float(fit.time[enough[-1]]) if enough.size else float(fit.time[-1]) if fit.time.size else 1.0
    unit = time_scale("auto", horizon_d)
    horizon = unit.from_days(horizon_d).item()
    x = np.concatenate([[fit.t0], fit.time])
    layers = np.vstack([fit.p0[None, :], fit.probability])
    with style.house_style():
        fig = style.new_figure(3.8)
        ax = fig.add_subplot()
        bottom = np.zeros_like(x, dtype=float)
        xs = unit.from_days(x)
        for index, state in enumerate(fit.states):
            top = bottom + layers[:, index]
            area = ax.fill_between(
                xs, bottom, top, step="post", color=style.colour(index), alpha=0.85, linewidth=0,
                label=state_words(state),
            )  # fmt: skip
            area.set_gid(GID_STACK)
            bottom = top
        finish_stacked(fig, ax, unit, horizon, title=title, subtitle=subtitle)
    return fig


def occupation_table(
    occupation: StateOccupation, timepoints: Sequence[tuple[float, str]] = TIMEPOINTS
) -> Table:
    """Each state's probability at fixed times, % (95% CI)."""
    at = occupation.at([t for t, _label in timepoints])
    rows = []
    for state in occupation.fit.states:
        mine = at[at["state"] == state]
        cells = [
            format_percent_ci(r.probability, r.lower, r.upper)
            if r.std_err > 0
            else percent_sign(format_percent(r.probability))
            for r in mine.itertuples(index=False)
        ]
        rows.append((state_words(state), *cells))
    return Table(
        caption=_("Probability of being in each state, % (95% CI)"),
        header=(_("State"), *(timepoint_label(label) for _day, label in timepoints)),
        rows=tuple(rows),
        csv_name="multistate.csv",
        data=occupation.fit.to_frame(),
        numeric_columns=tuple(range(1, len(timepoints) + 1)),
    )


def transitions_table(models: TransitionModels) -> Table:
    """Hazard ratios of each transition's Cox model (robust variance clustered on the patient)."""
    rows = tuple(
        (
            transition_label(str(r.transition)),
            term_label(str(r.term)),
            format_ratio(r.hazard_ratio, r.lower, r.upper),
            format_p(r.p_value),
            format_count(r.n_event),
        )
        for r in models.table.itertuples(index=False)
    )
    return Table(
        caption=_(
            "Transition-specific Cox models: hazard ratio (95% CI) of each covariate for each transition"
        ),
        header=(
            _("Transition"),
            _("Covariate"),
            _("Hazard ratio (95% CI)"),
            pgettext("p-value", "p"),
            _("Events"),
        ),
        rows=rows,
        csv_name="transition_models.csv",
        data=models.table,
        numeric_columns=(2, 3, 4),
    )


def multistate_section(
    occupation: StateOccupation | None, *, who: str, models: TransitionModels | None = None
) -> Section | None:
    """The section (None without an analysis)."""
    if occupation is None or occupation.fit.time.size == 0:
        return None
    figure: FigureBlock = figure_block(
        plot_state_occupation(occupation, title=_("Where the patients are after infusion"), subtitle=who),
        "multistate",
        _(
            "State occupation probabilities (Aalen-Johansen), stacked: at each time the layers add up to all "
            "patients; drawn while at least %(minimum)s patients are still followed."
        )
        % {"minimum": MIN_AT_RISK},
        _("Stacked areas of the proportion of patients in each state over time after infusion"),
    )
    blocks: list = [Paragraph(str(words(RULE))), figure, occupation_table(occupation)]
    if models is not None and not models.table.empty:
        blocks.append(transitions_table(models))
    if models is not None:
        blocks += [Paragraph(f"• {note}", note=True) for note in models.notes]
    if occupation.no_follow_up:
        blocks.append(
            Paragraph(
                ngettext(
                    "%(n)s patient with no follow-up is not in it.",
                    "%(n)s patients with no follow-up are not in it.",
                    occupation.no_follow_up,
                )
                % {"n": format_count(occupation.no_follow_up)},
                note=True,
            )
        )
    return Section(str(TITLE), tuple(blocks), "multistate")
