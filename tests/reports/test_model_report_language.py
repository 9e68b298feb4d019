"""The prediction model report (``remission model report``) in the reader's language (issue 20): its
sections, card, tables, calibration figure and notes in French; English unchanged by default."""

from __future__ import annotations

from django.utils import translation

from remission.analysis.prediction import ModelSet
from remission.reports.calibration_plot import plot_calibration
from remission.reports.model_report import model_report_document
from tests.analysis.prediction.conftest import data, model_set  # noqa: F401  (fixtures)
from tests.reports.test_model_report_validation import GROUPS_1Y, VALIDATION
from tests.reports.texts import document_texts

NBSP = "\u00a0"


def test_the_model_report_in_french(model_set: ModelSet) -> None:  # noqa: F811
    with translation.override("fr"):
        text = "\n".join(document_texts(model_report_document(model_set, VALIDATION)))
    for french in (
        "Rapport des modèles de prédiction",
        "Fiche du modèle",
        f"Survie globale (Cox){NBSP}: coefficients",
        "Événements par paramètre",
        f"Validation interne{NBSP}: performance apparente",
        "regroupé (prédictions des centres exclus)",
        f"1 an{NBSP}: 25,0{NBSP}% prédit, 24,0{NBSP}% observé",
        "Graphique de calibration du modèle OS",
    ):
        assert french in text, french
    for english in (
        "Model card",
        "Prediction model report",
        "Overall survival (Cox)",
        "pooled (left-out",
        "predicted,",
    ):
        assert english not in text, english
    english = "\n".join(document_texts(model_report_document(model_set, VALIDATION)))
    assert "Model card" in english and "1 year: 25.0 % predicted, 24.0 % observed" in english


def test_the_calibration_plot_in_french() -> None:
    with translation.override("fr"):
        fig = plot_calibration([("1 an", GROUPS_1Y)], title="Calibration")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Risque prédit moyen (%)" and ax.get_ylabel() == "Risque observé (%)"
    assert "calibration parfaite" in [line.get_label() for line in ax.lines]
