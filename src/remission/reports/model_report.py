"""The model report: a fitted prediction model set's card and its validation, as a document.

What it holds (``remission model report``): the version, data cut-off and settings; per model (OS, PFS:
Cox; non-relapse mortality: Fine-Gray) the patients, events, events per parameter and every coefficient
with its hazard ratio and 95 % interval; the predictors' ranges and the diseases in and out of the model;
and, when the model set was validated, the apparent, optimism and optimism-corrected performance.
The document renders to HTML and PDF like the outcomes report (:mod:`.html`, :mod:`.pdf`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from remission.analysis.prediction import ModelSet
from remission.analysis.prediction.card import card_of
from remission.reports.document import Document, KeyValues, Paragraph, Section, Table
from remission.reports.numbers import format_count, format_number, format_ratio

ENDPOINT_TITLES = {
    "OS": "Overall survival (Cox)",
    "PFS": "Progression-free survival (Cox)",
    "NRM": "Non-relapse mortality (Fine-Gray, relapse or progression competing)",
}
ASSOCIATIONS = (
    "The models describe associations in the registry's observational data: a predictor's hazard ratio is "
    "not the effect of changing it (a regimen's ratio reflects who was given it, as well as the regimen)."
)


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
    return Table(
        caption=f"{ENDPOINT_TITLES.get(endpoint, endpoint)}: coefficients",
        header=("term", "coefficient", "SE", f"{ratio} ({conf_level * 100:g} % CI)"),
        rows=rows,
        csv_name=f"model-{endpoint.lower()}-coefficients.csv",
        numeric_columns=(1, 2, 3),
    )


def _model_section(model: Mapping[str, Any], conf_level: float) -> Section:
    endpoint = model["endpoint"]
    items = [
        ("Method", model["method"]),
        ("Patients", format_count(model["n"])),
        ("Events", format_count(model["events"])),
        ("Events per parameter", format_number(model["events_per_parameter"], 1)),
        ("Converged", "yes" if model["converged"] else "no"),
    ]
    if model["competing"] is not None:
        items.insert(3, ("Competing events (relapse or progression)", format_count(model["competing"])))
    return Section(
        ENDPOINT_TITLES.get(endpoint, endpoint),
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
        caption="Internal validation: apparent, optimism and optimism-corrected performance",
        header=("measure", "apparent", "optimism", "corrected"),
        rows=tuple(rows),
        csv_name="model-validation.csv",
        numeric_columns=(1, 2, 3),
    )


def model_report_document(model_set: ModelSet, validation: Mapping[str, Any] | None = None) -> Document:
    """The model card of ``model_set`` (and its ``validation``, the stored ``Validation.to_dict()``)."""
    card = KeyValues(
        (
            ("Version", model_set.version),
            ("Data cut-off", "none" if model_set.cutoff is None else model_set.cutoff.isoformat()),
            ("Patients fitted (complete cases)", format_count(model_set.n)),
            (
                "Diseases in the model",
                ", ".join(d for d, _ in model_set.disease_counts if d not in model_set.diseases_left_out),
            ),
            (
                "Diseases left out (too few patients)",
                ", ".join(
                    f"{d} ({n})" for d, n in model_set.disease_counts if d in model_set.diseases_left_out
                )
                or "none",
            ),
        )
    )
    sections = [Section("Model card", (card, Paragraph(ASSOCIATIONS, note=True)), "card")]
    card = card_of(model_set)
    sections += [_model_section(model, card["conf_level"]) for model in card["models"]]
    if validation:
        sections.append(Section("Validation", (_validation_table(validation),), "validation"))
    else:
        sections.append(
            Section(
                "Validation", (Paragraph("This model set was stored without a validation."),), "validation"
            )
        )
    return Document("Prediction model report", model_set.version, tuple(sections))
