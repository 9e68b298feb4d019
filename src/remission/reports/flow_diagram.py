"""The patient flow (CONSORT-style) as a drawn figure of boxes and as a table with the same counts.

Drawn from :class:`remission.analysis.flow.PatientFlow`: the patients in the registry (top), every
exclusion with its reason and count (the box on the right; a rule that left out nobody says 0, so that
no rule is silent), and the patients analysed (bottom). Nothing is counted here.
"""

from __future__ import annotations

import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from remission.analysis.flow import PatientFlow
from remission.reports.document import FigureBlock, Table
from remission.reports.images import figure_block
from remission.reports.numbers import format_count, format_date
from remission.reports.style import INK, MUTED, PALETTE, house_style, new_figure

LINE = 0.3  # inches per text line in the exclusion box
OWN_SECTION = gettext_lazy("%(reason)s (own section)")


def _box(fig: Figure, ax: object, x: float, y: float, w: float, h: float, edge: str) -> None:
    ax.add_patch(  # type: ignore[attr-defined]
        FancyBboxPatch(
            (x, y), w, h, boxstyle="round,pad=0.004,rounding_size=0.015", fc="white", ec=edge, lw=1.2
        )
    )


def plot_patient_flow(flow: PatientFlow, *, scope: str, section_products: bool = False) -> Figure:
    """The flow as boxes: registry → left out (each reason, count) → analysed. ``scope`` says whose
    registry ("every centre", "centre demo-north"). ``section_products``: the other cell therapies have
    a section of their own in the report (their line says so)."""
    lines = len(flow.steps)
    height = max(3.2, 1.6 + LINE * (lines + 1))
    with house_style():
        fig = new_figure(height)
        fig.set_layout_engine("none")  # one axes filling the figure: boxes placed in its coordinates
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(0, height)
        main_x, main_w = 0.03, 0.36
        centre = main_x + main_w / 2
        box_h = 0.78
        top_y = height - 0.12 - box_h
        bottom_y = 0.12
        _box(fig, ax, main_x, top_y, main_w, box_h, PALETTE[0])
        ax.text(
            centre,
            top_y + box_h - 0.2,
            _("Patients in the registry"),
            ha="center",
            va="center",
            fontsize=10,
            fontweight="bold",
            color=INK,
        )
        ax.text(centre, top_y + box_h / 2 - 0.02, scope, ha="center", va="center", fontsize=8.5, color=MUTED)
        ax.text(
            centre,
            top_y + 0.17,
            f"n = {format_count(flow.in_registry)}",
            ha="center",
            va="center",
            fontsize=10,
            color=INK,
        )
        _box(fig, ax, main_x, bottom_y, main_w, box_h, PALETTE[2])
        ax.text(
            centre,
            bottom_y + box_h - 0.2,
            _("Analysed"),
            ha="center",
            va="center",
            fontsize=10,
            fontweight="bold",
            color=INK,
        )
        ax.text(
            centre,
            bottom_y + box_h / 2 - 0.02,
            analysed_words(flow),
            ha="center",
            va="center",
            fontsize=8.5,
            color=MUTED,
        )
        ax.text(
            centre,
            bottom_y + 0.17,
            f"n = {format_count(flow.analysed)}",
            ha="center",
            va="center",
            fontsize=10,
            color=INK,
        )
        ax.annotate(
            "",
            xy=(centre, bottom_y + box_h),
            xytext=(centre, top_y),
            arrowprops={"arrowstyle": "-|>", "color": MUTED, "lw": 1.2},
        )
        side_x, side_w = 0.47, 0.51
        side_h = LINE * (lines + 1) + 0.2
        side_y = (top_y + bottom_y + box_h) / 2 - side_h / 2
        _box(fig, ax, side_x, side_y, side_w, side_h, PALETTE[1])
        ax.annotate(
            "",
            xy=(side_x, side_y + side_h / 2),
            xytext=(centre, side_y + side_h / 2),
            arrowprops={"arrowstyle": "-|>", "color": MUTED, "lw": 1.2},
        )
        y = side_y + side_h - 0.1 - LINE / 2
        ax.text(
            side_x + 0.015,
            y,
            _("Left out"),
            ha="left",
            va="center",
            fontsize=10,
            fontweight="bold",
            color=INK,
        )
        ax.text(
            side_x + side_w - 0.015,
            y,
            f"n = {format_count(flow.left_out)}",
            ha="right",
            va="center",
            fontsize=10,
            color=INK,
        )
        for step in flow.steps:
            y -= LINE
            own = section_products and step.rule.startswith("other_product:")
            ax.text(
                side_x + 0.015,
                y,
                OWN_SECTION % {"reason": step.reason} if own else str(step.reason),
                ha="left",
                va="center",
                fontsize=7.8,
                color=INK if step.n else MUTED,
                wrap=False,
            )
            ax.text(
                side_x + side_w - 0.015,
                y,
                format_count(step.n),
                ha="right",
                va="center",
                fontsize=8.5,
                color=INK if step.n else MUTED,
            )
    return fig


def analysed_words(flow: PatientFlow) -> str:
    """What the analysed box says under its title: "first autologous HSCT by 2024-12-31"."""
    if flow.cutoff is None:
        return _("first %(selection)s") % {"selection": flow.selection}
    return _("first %(selection)s by %(date)s") % {
        "selection": flow.selection,
        "date": format_date(flow.cutoff.date),
    }


def flow_figure(flow: PatientFlow, *, scope: str, section_products: bool = False) -> FigureBlock:
    """:func:`plot_patient_flow` as a report figure."""
    return figure_block(
        plot_patient_flow(flow, scope=scope, section_products=section_products),
        "patient-flow",
        _(
            "Patient flow: %(registry)s patients in the registry (%(scope)s), %(left_out)s left out (each "
            "reason, the first that applies, with its count), %(analysed)s analysed."
        )
        % {
            "registry": format_count(flow.in_registry),
            "scope": scope,
            "left_out": format_count(flow.left_out),
            "analysed": format_count(flow.analysed),
        },
        _(
            "Flow diagram: patients in the registry, each reason for leaving patients out with its count, "
            "and the patients analysed"
        ),
    )


def flow_table(flow: PatientFlow, *, scope: str) -> Table:
    """The flow's counts as a table (the same numbers as the figure; ``patient_flow.csv``)."""
    rows = [(_("In the registry"), scope, flow.in_registry)]
    rows += [(_("Left out"), str(step.reason), step.n) for step in flow.steps]
    rows.append((_("Analysed"), _("first %(selection)s") % {"selection": flow.selection}, flow.analysed))
    data = pd.DataFrame(
        [
            (stage, rule, reason, n)
            for (stage, reason, n), rule in zip(
                rows, ["registry", *(s.rule for s in flow.steps), "analysed"], strict=True
            )
        ],
        columns=["stage", "rule", "reason", "n"],
    )
    return Table(
        caption=_("Patient flow"),
        header=("", _("Reason"), _("Patients")),
        rows=tuple((stage, reason, format_count(n)) for stage, reason, n in rows),
        csv_name="patient_flow.csv",
        data=data,
        numeric_columns=(2,),
    )
