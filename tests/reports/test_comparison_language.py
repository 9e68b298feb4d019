"""The comparison (emulated target trial) in the reader's language (issue 20): the section, its tables,
figures, notes, balancing rule and methods paragraph in French, from the same language-free Comparison as
the English; the analysis's words (reasons left out, rule, notes, protocol) are Words, worded when shown."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from django.utils import translation

from remission.analysis.comparison import Comparison, ComparisonProtocol, compare
from remission.analysis.words import Words, in_english
from remission.reports.comparison_section import (
    comparison_document,
    comparison_methods,
    plot_love,
    protocol_words,
)
from remission.reports.document import Document
from tests.analysis.test_comparison import _frame
from tests.reports.texts import document_texts

NBSP = "\u00a0"
PROTOCOL = ComparisonProtocol(
    by="regimen", treatment="cy200_ratg", comparator="beam_atg", disease="ms", trim=(0.05, 0.95)
)


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    return compare(_frame(), PROTOCOL)


def _document(comparison: Comparison, language: str) -> Document:
    with translation.override(language):
        return comparison_document(
            comparison, generated=dt.date(2026, 12, 4), cutoff=dt.date(2024, 12, 31), steps=comparison.steps,
            **protocol_words(comparison.protocol),
        )  # fmt: skip


def test_the_analysis_keeps_words_not_text(comparison: Comparison) -> None:
    assert isinstance(comparison.rule, Words)
    assert all(isinstance(reason, Words) for reason, _ in comparison.left_out)
    assert in_english(comparison.rule).startswith("ATE inverse-probability weights: 1/e (treated)")
    with translation.override("fr"):
        assert str(comparison.rule).startswith("poids de probabilité inverse pour l'ATE")
        assert "p = 0,4079" in str(comparison.rule)  # a decimal comma
        reasons = [str(reason) for reason, _ in comparison.left_out]
        parts = [(str(k), str(v)) for k, v in PROTOCOL.sections("MS", "A", "B")]
    assert reasons == [
        "autre maladie que ms",
        "autre protocole de conditionnement",
        f"donnée manquante{NBSP}: HCT-CI",
    ]
    assert [k for k, _ in parts] == [
        "Éligibilité", "Stratégies de traitement", "Attribution", "Temps zéro", "Critères de jugement",
        "Contraste causal",
    ]  # fmt: skip
    assert "troncature (scores entre 0,05 et 0,95)" in parts[2][1]


def test_notes_of_models_not_fitted_in_french(comparison: Comparison) -> None:
    """A group without an event of an endpoint: the note names the model, the endpoint and the group."""
    rows = comparison.rows
    treated = rows["treated"].to_numpy() == 1
    frame = _frame()
    ids = set(rows.loc[treated, "registry_id"])
    no_nrm = frame.assign(
        cr_cause=np.where(frame["registry_id"].isin(ids) & (frame["cr_cause"] == 2), 0, frame["cr_cause"])
    )
    notes = compare(no_nrm, PROTOCOL).notes
    assert [in_english(n) for n in notes] == [
        "weighted Fine-Gray NRM: not computed — no event in the treatment group"
    ]
    with translation.override("fr"):
        assert [str(n) for n in notes] == [
            f"Fine-Gray pondéré, MNR{NBSP}: non calculé — aucun événement dans le groupe traité"
        ]


def test_the_section_reads_in_french(comparison: Comparison) -> None:
    english = "\n".join(document_texts(_document(comparison, "en-gb")))
    french = "\n".join(document_texts(_document(comparison, "fr")))
    for sentence in (
        "Cy 200 mg/kg + rabbit ATG vs BEAM + rabbit ATG — sclérose en plaques",
        "Émulation d'un essai cible · date de point 31/12/2024",
        f"L'essai cible que cette comparaison émule{NBSP}:",
        "Exclus de la comparaison (dans cet ordre",
        "Taille d'échantillon effective",
        "Équilibre des covariables avant et après pondération",
        "Après pondération, toutes les covariables sont équilibrées",
        "Cox pondéré",
        "robuste (sandwich)",
        "Critère et groupe",
        "Survie globale",
        "la survie pondérée (après pondération) de chaque groupe à chaque temps d'événement",
        f"Règle d'équilibrage{NBSP}: poids de probabilité inverse pour l'ATE",
        "La comparaison a été conçue comme l'émulation d'un essai cible (Hernán & Robins",
        "Les patients ont été pondérés par des poids de probabilité inverse stabilisés",
        f"66,5{NBSP}%",
    ):
        assert sentence in french, sentence
        assert sentence not in english
    for sentence in (
        "The target trial this comparison emulates:",
        "Left out of the comparison",
        "Effective sample size",
        "Covariate balance before and after weighting",
        "every covariate is balanced",
        "weighted Cox",
        "Endpoint and group",
        "Balancing rule: ATE inverse-probability weights",
        "The comparison was designed as the emulation of a target trial",
        "Emulated target trial · data cut-off 2024-12-31",
        "another regimen",
        "Eligibility",
    ):
        assert sentence in english, sentence
        assert sentence not in french, sentence


def test_matching_methods_and_love_plot_in_french(comparison: Comparison) -> None:
    matched = dataclasses.replace(
        comparison, protocol=dataclasses.replace(PROTOCOL, method="matching", ratio=2)
    )
    with translation.override("fr"):
        text = comparison_methods(matched)
        fig = plot_love(comparison.balance)
    assert "a été apparié à 2 patients du groupe comparateur" in text
    assert "dans un caliper de 0,2 écarts-types de ce logit (Austin, Pharm Stat 2011, abstract)" in text
    assert "matched" not in text
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Différence moyenne standardisée absolue"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Avant équilibrage", "Après équilibrage"]
    assert fig.texts[0].get_text() == "Équilibre des covariables"
