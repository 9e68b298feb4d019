"""The landmark, multi-state, cell-therapy sections and the trajectory plots in the reader's language
(issue 20): their rules, labels, notes, captions and legends in French from the same language-free
results as the English; the analysis's words (rules, notes, transitions) are Words, worded when shown."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from django.utils import translation

from remission.analysis import AnalysisSet
from remission.analysis.activity import DAYS_PER_MONTH, binned_summary
from remission.analysis.cell_therapy import other_cell_therapies
from remission.analysis.landmark import LandmarkSettings, landmark_analysis, landmarks_words
from remission.analysis.multistate import NOT_MODELLED, transition_words
from remission.analysis.results import OutcomesResults, compute_outcomes
from remission.analysis.words import Words, in_english, words
from remission.reports.cell_therapy import cell_therapy_section
from remission.reports.document import Section
from remission.reports.landmark_section import groups_words, landmark_section
from remission.reports.multistate_section import multistate_section
from remission.reports.trajectories import plot_immune_reconstitution, plot_score_trajectories
from tests.analysis.test_cell_therapy import COURSES
from tests.analysis.test_landmark import _frame
from tests.reports.test_trajectories import SCORES
from tests.reports.texts import section_texts

NBSP = "\u00a0"


@pytest.fixture(scope="module")
def results(analysis_set: AnalysisSet) -> OutcomesResults:
    return compute_outcomes(analysis_set, by="disease")


def _texts(section: Section | None) -> str:
    """Every text of the section a reader sees, one per line."""
    assert section is not None
    return "\n".join(section_texts(section))


def test_landmark_words_are_kept_as_words_and_worded_when_shown() -> None:
    analysis = landmark_analysis(_frame(), LandmarkSettings(landmarks_days=(182.625,), min_group_size=60))
    assert isinstance(analysis.rule, Words) and all(isinstance(n, Words) for n in analysis.notes)
    assert in_english(landmarks_words((182.625, 365.25))) == "day 182.625 and day 365.25"
    assert in_english(landmarks_words((182.625, 365, 730.5))) == "day 182.625, day 365 and day 730.5"
    with translation.override("fr"):
        assert str(landmarks_words((182.625, 365.25))) == "J182,625 et J365,25"
        note = str(analysis.notes[0])
        assert "landmark à J182,625" in note and "pas de test du log-rank" in note
        assert "no log-rank test" not in note
    assert "no log-rank test" in in_english(analysis.notes[0])


def test_landmark_section_in_french(results: OutcomesResults) -> None:
    with translation.override("fr"):
        text = _texts(landmark_section(results.landmark))
    assert f"Analyse landmark à J182,625 et J365,25{NBSP}:" in text
    assert "répondeurs" in text and "non évalués" in text
    for english in ("Landmark analysis at", "not assessed", "responded", "no log-rank test"):
        assert english not in text, english
    with translation.override("fr"):
        assert groups_words("not assessed vs responded vs not responded") == (
            "non évalués vs répondeurs vs non-répondeurs"
        )
    english = _texts(landmark_section(results.landmark))
    assert "Landmark analysis at day 182.625 and day 365.25:" in english and "not assessed" in english
    assert groups_words("not assessed vs responded") == "not assessed vs responded"


def test_multistate_section_in_french(results: OutcomesResults) -> None:
    with translation.override("fr"):
        assert str(transition_words("relapse/progression", "death after relapse")) == (
            "rechute/progression → décès après rechute"
        )
        text = _texts(multistate_section(results.multistate, who="", models=results.transitions))
    assert f"Modèle multi-états{NBSP}: chaque patient part de l'état greffé à J0" in text
    assert "greffé → réponse" in text
    for english in ("Multi-state model", "transplanted → response", "every patient starts"):
        assert english not in text, english
    # the tables' transition column stays the English code
    assert "transplanted → response" in set(results.transitions.table["transition"])


def test_a_transition_note_in_french() -> None:
    note = words(NOT_MODELLED, transition=transition_words("response", "death without relapse"), events=3,
                 covariates=2)  # fmt: skip
    with translation.override("fr"):
        shown = str(note)
    assert in_english(note) == "response → death without relapse: not modelled — 3 events for 2 covariates"
    assert shown == f"réponse → décès sans rechute{NBSP}: non modélisée — 3 événements pour 2 covariables"


def test_cell_therapy_section_in_french() -> None:
    car_t = other_cell_therapies(COURSES, cutoff=dt.date(2024, 1, 1))
    with translation.override("fr"):
        text = _texts(cell_therapy_section(car_t))
    for french in (
        "Thérapies cellulaires autres que l'autogreffe de CSH",
        f"Cellules CAR-T{NBSP}: patients par maladie",
        f"Petits effectifs{NBSP}:",
        "Syndrome de relargage cytokinique (CRS)",
        "Non gradé",
        f"Cellules CAR-T{NBSP}: estimations de survie (IC à 95{NBSP}%)",
        "Survie globale",
    ):
        assert french in text, french
    for english in (
        "Cell therapy other than",
        "Small numbers",
        "Not graded",
        "patients by disease",
        "Overall",
    ):
        assert english not in text, english
    english = _texts(cell_therapy_section(car_t))
    assert (
        "Cell therapy other than autologous HSCT" in english and "CAR-T cells: patients by disease" in english
    )


def _figure_texts(fig: object) -> str:
    texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]  # type: ignore[attr-defined]
    return "\n".join(texts)


def test_trajectory_plots_in_french() -> None:
    with translation.override("fr"):
        summary = binned_summary(SCORES, value="score", width_days=180, min_patients=2)
        fig = plot_score_trajectories(
            SCORES, summary, title="mRSS", score_label="mRSS", min_patients=2, max_patients=2
        )
        text = _figure_texts(fig)
        assert "Médiane par fenêtre de visite (au moins 2 patients)" in text
        assert "Avant" in text and "2 patients représentés sur 3" in text
        assert "Median per visit window" not in text and "Before" not in text
        labs = pd.DataFrame(
            {
                "patient": [1, 2, 3],
                "days": [30, 31, 29],
                "analyte": ["cd4"] * 3,
                "value": [100.0, 200.0, 300.0],
            }
        )
        cd4 = binned_summary(labs, value="value", width_days=DAYS_PER_MONTH, min_patients=3)
        panels = plot_immune_reconstitution({"cd4": cd4}, {"cd4": "CD4"}, title="IR", min_patients=3)
        assert "Médiane (ligne) et écart interquartile (bande)" in _figure_texts(panels)
