"""The model report: a fitted prediction model set's card and its validation, as a document.

What it holds (``remission model report``): the version, data cut-off and settings; per model (OS, PFS:
Cox; non-relapse mortality: Fine-Gray) the patients, events, events per parameter and every coefficient
with its hazard ratio and 95 % interval; the predictors' ranges and the diseases in and out of the model;
and, when the model set was validated, the apparent, optimism and optimism-corrected performance, the
calibration plot (apparent, in tenths of predicted risk; :mod:`.calibration_plot`) with its numbers, and
the internal-external validation (each centre left out in turn, and the pooled left-out predictions).
The document renders to HTML and PDF like the outcomes report (:mod:`.html`, :mod:`.pdf`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from remission.analysis.prediction import ModelSet
from remission.analysis.prediction.card import card_of
from remission.reports.calibration_plot import calibration_points, plot_calibration
from remission.reports.document import Block, Document, KeyValues, Paragraph, Section, Table
from remission.reports.images import figure_block
from remission.reports.numbers import (
    MISSING,
    format_count,
    format_date,
    format_number,
    format_percent,
    format_ratio,
    localise,
)
from remission.reports.tables import timepoint_label

ENDPOINT_TITLES = {  # marked for translators; translated where shown
    "OS": gettext_noop("Overall survival (Cox)"),
    "PFS": gettext_noop("Progression-free survival (Cox)"),
    "NRM": gettext_noop("Non-relapse mortality (Fine-Gray, relapse or progression competing)"),
}
ASSOCIATIONS = gettext_noop(
    "The models describe associations in the registry's observational data: a predictor's hazard ratio is "
    "not the effect of changing it (a regimen's ratio reflects who was given it, as well as the regimen)."
)


def _title(endpoint: str) -> str:
    return _(ENDPOINT_TITLES[endpoint]) if endpoint in ENDPOINT_TITLES else endpoint


def _coefficients(model: Mapping[str, Any], conf_level: float) -> Table:
    """The card's coefficients of one model (:func:`~remission.analysis.prediction.card.card_of`)."""
    rows = tuple(
        (
            c["term"],
            format_number(c["coef"], 4),
            format_number(c["se"], 4),
            format_ratio(c["hazard_ratio"], c["lower"], c["upper"]),
        )
        for c in model["coefficients"]
    )
    endpoint = model["endpoint"]
    ratio = "sHR" if endpoint == "NRM" else "HR"
    level = localise(f"{conf_level * 100:g}")
    return Table(
        caption=_("%(model)s: coefficients") % {"model": _title(endpoint)},
        header=(
            _("term"),
            _("coefficient"),
            _("SE"),
            _("%(ratio)s (%(level)s %% CI)") % {"ratio": ratio, "level": level},
        ),
        rows=rows,
        csv_name=f"model-{endpoint.lower()}-coefficients.csv",
        numeric_columns=(1, 2, 3),
    )


def _model_section(model: Mapping[str, Any], conf_level: float) -> Section:
    endpoint = model["endpoint"]
    items = [
        (_("Method"), str(model["method"])),
        (_("Patients"), format_count(model["n"])),
        (_("Events"), format_count(model["events"])),
        (_("Events per parameter"), format_number(model["events_per_parameter"], 1)),
        (_("Converged"), _("yes") if model["converged"] else _("no")),
    ]
    if model["competing"] is not None:
        items.insert(3, (_("Competing events (relapse or progression)"), format_count(model["competing"])))
    return Section(
        _title(endpoint),
        (KeyValues(tuple(items)), _coefficients(model, conf_level)),
        f"model-{endpoint.lower()}",
    )


def _validation_table(validation: Mapping[str, Any]) -> Table:
    """Every number of the validation that has apparent / optimism / corrected values, one row each."""
    rows = []

    def walk(prefix: tuple[str, ...], node: Any) -> None:
        if isinstance(node, Mapping):
            if {"apparent", "corrected"} <= set(node):
                rows.append(
                    (
                        " · ".join(prefix),
                        format_number(node.get("apparent"), 3),
                        format_number(node.get("optimism"), 3),
                        format_number(node.get("corrected"), 3),
                    )
                )
                return
            for key, value in node.items():
                walk((*prefix, str(key)), value)

    walk((), validation)
    return Table(
        caption=_("Internal validation: apparent, optimism and optimism-corrected performance"),
        header=(_("measure"), _("apparent"), _("optimism"), _("corrected")),
        rows=tuple(rows),
        csv_name="model-validation.csv",
        numeric_columns=(1, 2, 3),
    )


def _results(validation: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The per model and horizon results of a stored validation (none in an older or partial one)."""
    return [r for r in validation.get("results") or () if isinstance(r, Mapping)]


def _horizon(result: Mapping[str, Any]) -> str:
    if result.get("horizon"):
        return timepoint_label(str(result["horizon"]))
    return _("%(days)s days") % {"days": format_number(result.get("horizon_days"), 0)}


def _calibration_table(results: list[Mapping[str, Any]]) -> Table:
    """The calibration plot's points as numbers: each group of each model and horizon."""
    rows = tuple(
        (
            str(r["endpoint"]),
            _horizon(r),
            str(index),
            format_count(g.get("n")),
            format_count(g.get("events")),
            format_percent(g.get("mean_risk")),
            format_percent(g.get("observed_risk")),
        )
        for r in results
        for index, g in enumerate(r.get("calibration") or (), start=1)
    )
    return Table(
        caption=_("Calibration (apparent, on the fitted rows): groups in tenths of predicted risk"),
        header=(
            _("model"),
            _("horizon"),
            _("group"),
            "n",
            _("events"),
            _("mean predicted (%)"),
            _("observed (%)"),
        ),
        rows=rows,
        csv_name="model-calibration.csv",
        numeric_columns=(2, 3, 4, 5, 6),
    )


CENTRE_METRICS = ("auc", "brier", "scaled_brier", "harrell_c", "calibration_slope")
POOLED = gettext_noop("pooled (left-out predictions)")  # translated where shown


def _metric_cells(metrics: Mapping[str, Any] | None) -> tuple[str, ...]:
    if metrics is None:
        return tuple(MISSING for _name in CENTRE_METRICS)
    return tuple(format_number(metrics.get(name), 3) for name in CENTRE_METRICS)


def _centres_table(results: list[Mapping[str, Any]]) -> Table:
    """Internal-external validation: each left-out centre scored by the model refitted without it (or
    why it was not), then the pooled score of all the left-out predictions, per model and horizon."""
    rows: list[tuple[str, ...]] = []
    for r in results:
        endpoint, horizon = str(r["endpoint"]), _horizon(r)
        for c in r.get("centres") or ():
            rows.append(
                (
                    endpoint,
                    horizon,
                    str(c["centre"]),
                    format_count(c.get("n")),
                    format_count(c.get("events")),
                    format_count(c.get("unpredictable")),
                    *_metric_cells(c.get("metrics")),
                    "" if c.get("metrics") is not None else str(c.get("skipped") or _("not scored")),
                )
            )
        pooled = r.get("pooled")
        if r.get("centres") or pooled is not None:
            rows.append(
                (
                    endpoint,
                    horizon,
                    _(POOLED),
                    format_count(None if pooled is None else pooled.get("n")),
                    format_count(None if pooled is None else pooled.get("events")),
                    MISSING,
                    *_metric_cells(pooled),
                    "" if pooled is not None else _("no centre scored"),
                )
            )
    return Table(
        caption=_(
            "Internal-external validation: each centre left out in turn and predicted by the model refitted "
            "without it"
        ),
        header=(
            _("model"),
            _("horizon"),
            _("centre left out"),
            "n",
            _("events"),
            _("rows not predictable"),
            "AUC",
            "Brier",
            _("scaled Brier"),
            _("Harrell's C"),
            _("calibration slope"),
            _("not scored because"),
        ),
        rows=tuple(rows),
        csv_name="model-centres.csv",
        numeric_columns=(3, 4, 5, 6, 7, 8, 9, 10),
    )


def _calibration_figures(results: list[Mapping[str, Any]]) -> list[Block]:
    """One calibration plot per endpoint (a series per horizon), its caption giving the apparent slope and
    calibration in the large."""
    blocks: list[Block] = []
    endpoints = list(dict.fromkeys(str(r["endpoint"]) for r in results))
    for endpoint in endpoints:
        mine = [
            r
            for r in results
            if str(r["endpoint"]) == endpoint and calibration_points(r.get("calibration") or ())[0]
        ]
        if not mine:
            continue
        title = _title(endpoint)
        slopes = "; ".join(
            _("%(horizon)s: %(slope)s")
            % {
                "horizon": _horizon(r),
                "slope": format_number((r.get("apparent") or {}).get("calibration_slope"), 2),
            }
            for r in mine
        )
        in_the_large = "; ".join(
            _("%(horizon)s: %(predicted)s %% predicted, %(observed)s %% observed")
            % {
                "horizon": _horizon(r),
                "predicted": format_percent((r.get("apparent") or {}).get("mean_risk")),
                "observed": format_percent((r.get("apparent") or {}).get("observed_risk")),
            }
            for r in mine
        )
        horizons = ", ".join(_horizon(r) for r in mine)
        values = {"endpoint": endpoint, "horizons": horizons, "slopes": slopes, "in_the_large": in_the_large}
        blocks.append(
            figure_block(
                plot_calibration(
                    [(_horizon(r), r.get("calibration") or ()) for r in mine],
                    title=_("Calibration: %(model)s") % {"model": title},
                    subtitle=_("apparent, on the fitted rows"),
                ),
                f"calibration-{endpoint.lower()}",
                _(
                    "Calibration plot of the %(endpoint)s model: observed against mean predicted risk (%%) "
                    "at %(horizons)s. The points are apparent, on the fitted rows, in tenths of predicted "
                    "risk (not corrected for optimism); the line is perfect calibration. Apparent "
                    "calibration slope %(slopes)s. Calibration in the large (mean predicted and observed "
                    "risk, all rows) %(in_the_large)s."
                )
                % values,
                _(
                    "Calibration plot of the %(endpoint)s model at %(horizons)s: observed against mean "
                    "predicted risk; the numbers are in the calibration table"
                )
                % values,
            )
        )
    return blocks


def _validation_blocks(validation: Mapping[str, Any]) -> tuple[Block, ...]:
    """The optimism table, then the calibration plots and their numbers, then internal-external."""
    blocks: list[Block] = [_validation_table(validation)]
    results = _results(validation)
    if any(r.get("calibration") for r in results):
        blocks += _calibration_figures(results)
        blocks.append(_calibration_table(results))
    if any(r.get("centres") or r.get("pooled") is not None for r in results):
        blocks.append(_centres_table(results))
    if validation.get("centre_note"):
        note = _("Internal-external validation: %(note)s") % {"note": validation["centre_note"]}
        blocks.append(Paragraph(note, note=True))
    skipped = validation.get("centres_skipped") or ()
    if skipped:
        centres = "; ".join(f"{s['centre']} ({s['reason']})" for s in skipped if isinstance(s, Mapping))
        blocks.append(
            Paragraph(_("Centres not scored at all: %(centres)s") % {"centres": centres}, note=True)
        )
    return tuple(blocks)


def model_report_document(model_set: ModelSet, validation: Mapping[str, Any] | None = None) -> Document:
    """The model card of ``model_set`` (and its ``validation``, the stored ``Validation.to_dict()``)."""
    card = KeyValues(
        (
            (_("Version"), model_set.version),
            (
                _("Data cut-off"),
                pgettext("no data cut-off", "none")
                if model_set.cutoff is None
                else format_date(model_set.cutoff),
            ),
            (_("Patients fitted (complete cases)"), format_count(model_set.n)),
            (
                _("Diseases in the model"),
                ", ".join(d for d, _n in model_set.disease_counts if d not in model_set.diseases_left_out),
            ),
            (
                _("Diseases left out (too few patients)"),
                ", ".join(
                    f"{d} ({n})" for d, n in model_set.disease_counts if d in model_set.diseases_left_out
                )
                or pgettext("no disease", "none"),
            ),
        )
    )
    sections = [Section(_("Model card"), (card, Paragraph(_(ASSOCIATIONS), note=True)), "card")]
    card = card_of(model_set)
    sections += [_model_section(model, card["conf_level"]) for model in card["models"]]
    if validation:
        sections.append(Section(_("Validation"), _validation_blocks(validation), "validation"))
    else:
        without = Paragraph(_("This model set was stored without a validation."))
        sections.append(Section(_("Validation"), (without,), "validation"))
    return Document(_("Prediction model report"), model_set.version, tuple(sections))
