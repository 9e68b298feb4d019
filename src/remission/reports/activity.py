"""Disease activity and immune reconstitution: the report's plots and tables of
:class:`~remission.analysis.activity.ActivitySummaries`.

The summaries are computed by the analysis layer (:func:`remission.analysis.activity.summarise_measurements`:
scores by 6-month windows since infusion over the patients whose disease each instrument measures,
laboratory values by month up to 24 months); this module only draws and tabulates them. The plots show
each disease's main instrument that the summaries mark as plotted, the table every instrument with data.

No normal reference ranges are drawn: the expected time courses after aHSCT the synthetic registry
assumes (◐, :mod:`remission.synth.trajectories`) are not laboratory reference intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from remission.analysis.activity import (
    IMMUNE_MONTHS,
    MIN_PATIENTS,
    SCORE_WINDOW_DAYS,
    ActivitySummaries,
)
from remission.analysis.longitudinal import CD4_CD8_RATIO
from remission.clinical.instruments import INSTRUMENTS
from remission.registry.codes import Analyte
from remission.reports.document import FigureBlock, Table
from remission.reports.images import figure_block
from remission.reports.labels import SHORT_DISEASES
from remission.reports.numbers import MISSING, format_count, format_number
from remission.reports.tables import timepoint_label
from remission.reports.trajectories import plot_immune_reconstitution, plot_score_trajectories

SHORT_SCORE_LABELS = {
    "mrss": "mRSS",
    "edss": "EDSS",
    "sledai2k": "SLEDAI-2K",
    "cdai_ra": "CDAI (RA)",
    "cdai_crohn": "CDAI (Crohn's)",
    "hbi": "Harvey-Bradshaw index",
    "haq_di": "HAQ-DI",
    "fvc_pct": "FVC, % predicted",
    "dlco_pct": "DLCO, % predicted",
}
# panel titles: short enough for a third of the page width
SHORT_ANALYTES = {
    "cd3": "CD3+ T cells",
    "cd4": "CD4+ T cells",
    "cd8": "CD8+ T cells",
    "cd4_naive": "Naive CD4+ T cells",
    "cd19": "CD19+ B cells",
    "nk": "NK cells",
    "treg_pct": "Tregs, % of CD4+",
    "trec": "TRECs",
    CD4_CD8_RATIO: "CD4/CD8 ratio",
}
UNIT_WORDS = {"cells/uL": "cells/µL", "10^9/L": "×10⁹/L", "copies/ug DNA": "copies/µg DNA", "ratio": ""}
# printed columns: (window bin, heading); bin -1 pools every value before the infusion
BEFORE = "Before"
SCORE_COLUMNS: tuple[tuple[int, str], ...] = (
    (-1, BEFORE),
    (1, "6 months"),
    (2, "1 year"),
    (4, "2 years"),
    (6, "3 years"),
    (10, "5 years"),
)
IMMUNE_COLUMNS: tuple[tuple[int, str], ...] = (
    (-1, BEFORE),
    (1, "1 month"),
    (3, "3 months"),
    (6, "6 months"),
    (12, "12 months"),
    (24, "24 months"),
)


def _column_words(heading: str) -> str:
    """A window's heading ("Before", "6 months") in the report's language."""
    return pgettext("before the infusion", "Before") if heading == BEFORE else timepoint_label(heading)


def instrument_label(code: str) -> str:
    known = INSTRUMENTS.get(code)
    return _(str(known.title)) if known is not None else code  # the instrument catalogue's title, translated


def analyte_label(code: str, unit: str, *, short: bool = False) -> str:
    """The analyte with its unit, "CD4+ T cells (cells/µL)"; ``short`` for a panel title."""
    names = {str(a.value): str(a.label) for a in Analyte}
    names[CD4_CD8_RATIO] = _("CD4/CD8 ratio")
    name = SHORT_ANALYTES.get(code, names.get(code, code)) if short else names.get(code, code)
    words = UNIT_WORDS.get(unit, unit)
    return f"{name} ({words})" if words and not (short and words == "%") else name


def _disease_words(codes: tuple[str, ...]) -> str:
    return ", ".join(str(SHORT_DISEASES.get(code, code)) for code in codes)


def activity_figures(summaries: ActivitySummaries, *, who: str) -> list[FigureBlock]:
    """The trajectory plots (one per plotted instrument) and the immune-reconstitution panels."""
    figures: list[FigureBlock] = []
    for instrument in summaries.plotted:
        label = instrument_label(instrument)
        known = INSTRUMENTS.get(instrument)
        data = summaries.score_data[instrument]
        summary = summaries.scores[summaries.scores["instrument"] == instrument]
        horizon = min(float(data["days"].max()), float(summary["days"].max()) + SCORE_WINDOW_DAYS / 2)
        bottom = 0.0 if known is not None and known.score_range[0] >= 0 else float(data["score"].min())
        top = float(data["score"].max())
        figures.append(
            figure_block(
                plot_score_trajectories(
                    data,
                    summary,
                    title=_("%(score)s: %(diseases)s")
                    % {"score": label, "diseases": _disease_words(summaries.diseases[instrument])},
                    score_label=SHORT_SCORE_LABELS.get(instrument, label if len(label) <= 24 else instrument),
                    subtitle=_("%(cohort)s; %(n)s patients with a score")
                    % {"cohort": who, "n": format_count(summaries.patients[instrument])},
                    horizon_days=horizon,
                    min_patients=MIN_PATIENTS,
                    ylim=(bottom, top + 0.05 * (top - bottom)),
                ),
                f"trajectory-{instrument}",
                _(
                    "%(score)s over time since infusion: each line one patient (a fixed sample), the median "
                    "per 6-month window in colour (windows with at least %(minimum)s patients)."
                )
                % {"score": label, "minimum": MIN_PATIENTS},
                _("Line plot of %(score)s by years since infusion, per patient and median")
                % {"score": label},
            )
        )
    if not summaries.immune.empty:
        analytes = {
            code: analyte_label(code, unit, short=True)
            for code, unit in summaries.immune[["analyte", "unit"]].drop_duplicates().itertuples(index=False)
        }
        panels = {code: summaries.immune[summaries.immune["analyte"] == code] for code in analytes}
        figures.append(
            figure_block(
                plot_immune_reconstitution(
                    panels,
                    analytes,
                    title=_("Immune reconstitution"),
                    subtitle=who,
                    max_months=IMMUNE_MONTHS,
                    min_patients=MIN_PATIENTS,
                    columns=3 if len(panels) > 6 else 2,
                ),
                "immune-reconstitution",
                _(
                    "Laboratory values by month since infusion: median and interquartile range over patients "
                    "(months with at least %(minimum)s patients); 'Before' pools the values before the "
                    "infusion. No normal ranges are drawn."
                )
                % {"minimum": MIN_PATIENTS},
                _(
                    "Panels of median and interquartile range of lymphocyte subsets and immunoglobulins by "
                    "month since infusion"
                ),
            )
        )
    return figures


def _cell(row: pd.Series | None, decimals: int) -> str:
    if row is None:
        return MISSING
    return (
        f"{format_number(row['median'], decimals)} ({format_number(row['q1'], decimals)}–"
        f"{format_number(row['q3'], decimals)}), n {format_count(row['n'])}"
    )


def _decimals(values: pd.Series) -> int:
    top = float(np.nanmax(np.abs(values.to_numpy(dtype=np.float64)))) if len(values) else 0.0
    return 0 if top >= 100 else 1 if top >= 3 else 2


def _window_rows(
    summary: pd.DataFrame, key: str, codes: list[str], columns: tuple[tuple[int, str], ...], label: object
) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for code in codes:
        mine = summary[summary[key] == code].set_index("bin")
        decimals = _decimals(mine["median"])
        cells = [_cell(mine.loc[b] if b in mine.index else None, decimals) for b, _heading in columns]
        rows.append((label(code), *cells))  # type: ignore[operator]
    return rows


def scores_table(summaries: ActivitySummaries) -> Table:
    """Median (IQR) and patients per window, every instrument with data (CSV: every window)."""
    codes = list(dict.fromkeys(summaries.scores["instrument"]))
    rows = _window_rows(
        summaries.scores,
        "instrument",
        codes,
        SCORE_COLUMNS,
        lambda c: (
            _("%(score)s (%(diseases)s)")
            % {"score": instrument_label(c), "diseases": _disease_words(summaries.diseases[c])}
        ),
    )
    return Table(
        caption=_("Disease-activity scores by time since infusion: median (IQR), n patients"),
        header=(
            _("Score (patients' diseases)"),
            *(_column_words(heading) for _bin, heading in SCORE_COLUMNS),
        ),
        rows=tuple(rows),
        csv_name="score_trajectories.csv",
        data=summaries.scores,
        numeric_columns=tuple(range(1, len(SCORE_COLUMNS) + 1)),
        note=_(
            "Windows of 6 months centred on each time; one value per patient and window (the median of "
            "that patient's values); 'Before' pools every value before the infusion. Windows with fewer than "
            "%(minimum)s patients are left empty. Each score counts only patients whose disease it measures."
        )
        % {"minimum": MIN_PATIENTS},
    )


def immune_table(summaries: ActivitySummaries) -> Table:
    units = dict(summaries.immune[["analyte", "unit"]].drop_duplicates().itertuples(index=False))
    rows = _window_rows(
        summaries.immune,
        "analyte",
        list(units),
        IMMUNE_COLUMNS,
        lambda c: analyte_label(c, str(units[c])),
    )
    return Table(
        caption=_("Immune reconstitution by month since infusion: median (IQR), n patients"),
        header=(_("Analyte (unit)"), *(_column_words(heading) for _bin, heading in IMMUNE_COLUMNS)),
        rows=tuple(rows),
        csv_name="immune_reconstitution.csv",
        data=summaries.immune,
        numeric_columns=tuple(range(1, len(IMMUNE_COLUMNS) + 1)),
        note=_(
            "Months centred on each time (month 1 = days 15–45). Values entered in another unit were "
            "converted (10⁹/L × 1000 = cells/µL; mg/dL ÷ 100 = g/L); the CD4/CD8 ratio is computed for each "
            "patient and day with both counts."
        ),
    )
