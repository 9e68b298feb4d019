"""The model report: the card's numbers are the fitted model's, each coefficient with its hazard ratio."""

from __future__ import annotations

import math

from remission.analysis.prediction import ModelSet
from remission.reports.html import render_html
from remission.reports.model_report import model_report_document
from remission.reports.pdf import render_pdf
from tests.analysis.prediction.conftest import data, model_set  # noqa: F401  (fixtures)


def test_the_card_and_coefficients_are_the_models(model_set: ModelSet) -> None:  # noqa: F811
    document = model_report_document(model_set)
    card = dict(document.sections[0].blocks[0].items)  # type: ignore[union-attr]
    assert (
        card["Version"] == model_set.version
        and card["Patients fitted (complete cases)"] == f"{model_set.n:,}"
    )
    os_model = model_set.model("OS")
    table = next(t for t in document.tables() if t.csv_name == "model-os-coefficients.csv")
    assert [row[0] for row in table.rows] == list(os_model.columns)
    # the first term's hazard ratio, computed here from the coefficient and its variance
    coef, se = os_model.coef[0], math.sqrt(os_model.covariance[0][0])
    hr, low, high = math.exp(coef), math.exp(coef - 1.96 * se), math.exp(coef + 1.96 * se)
    assert table.rows[0][3].startswith(f"{hr:.2f}") and f"{low:.2f}" in table.rows[0][3]
    assert f"{high:.2f}" in table.rows[0][3]


def test_validation_rows_are_every_apparent_optimism_corrected_triple(model_set: ModelSet) -> None:  # noqa: F811
    validation = {"os": {"1y": {"brier": {"apparent": 0.1, "optimism": 0.02, "corrected": 0.12}}}, "n": 5}
    table = next(
        t for t in model_report_document(model_set, validation).tables() if "validation" in t.csv_name
    )
    assert table.rows == (("os · 1y · brier", "0.100", "0.020", "0.120"),)


def test_it_renders_to_html_and_pdf(model_set: ModelSet) -> None:  # noqa: F811
    document = model_report_document(model_set)
    assert model_set.version in render_html(document)
    assert render_pdf(document).startswith(b"%PDF")
