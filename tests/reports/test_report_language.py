"""The outcomes report in the reader's language (issue 20): French headings, table headers and numbers
(decimal comma, "85,2 %"), English unchanged by default; ``remission report --language``; and the web
download, whose job carries the language of the user's request (a French and an English report of the same
cohort are two jobs, two files, computed from the same language-free results)."""

from __future__ import annotations

import datetime as dt
import re
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from remission.analysis import AnalysisSet
from remission.analysis.results import OutcomesResults, compute_outcomes
from remission.cli import main
from remission.registry.models import ComputationJob
from remission.reports.document import Document
from remission.reports.html import render_html
from remission.reports.outcomes_report import build_document
from remission.reports.pdf import render_pdf
from remission.survival import kaplan_meier
from tests.registry.conftest import World
from tests.web.test_outcome_jobs import _finish, _job_id, client_of, committed_world  # noqa: F401 (fixtures)

YEAR = 365.25
NBSP = "\u00a0"
# section titles of the English report: none may be left in the French one
ENGLISH_TITLES = (
    "Patient flow",
    "Cohort",
    "Survival",
    "Survival by disease",
    "Relapse and non-relapse mortality",
    "Estimates",
    "Multivariable models",
    "Follow-up and centres",
    "Completeness of follow-up",
    "Data quality",
    "Methods",
)
ENGLISH_WORDS = (
    "Table 1. Patient and transplant characteristics",
    "Characteristic",
    "Data cut-off",
    "Overall survival",
    "Progression-free survival",
    "Non-relapse mortality",
    "Contents",
    "Every table of this report",
)
FRENCH_TITLES = (
    "Cohorte",
    "Survie",
    "Survie selon : maladie",
    "Rechute et mortalité non liée à la rechute",
    "Estimations",
    "Modèles multivariés",
    "Suivi et centres",
    "Exhaustivité du suivi",
    "Qualité des données",
    "Méthodes",
)


@pytest.fixture(scope="module")
def results(analysis_set: AnalysisSet) -> OutcomesResults:
    return compute_outcomes(analysis_set, by="disease")


def _document(results: OutcomesResults, language: str) -> Document:
    with translation.override(language):
        return build_document(results, generated=dt.date(2025, 1, 15))


@pytest.fixture(scope="module")
def french(results: OutcomesResults) -> tuple[Document, str]:
    document = _document(results, "fr")
    with translation.override("fr"):
        return document, render_html(document, tables_file="rapport-tables.zip")


@pytest.fixture(scope="module")
def english(results: OutcomesResults) -> tuple[Document, str]:
    translation.deactivate()  # no language chosen: the site's default, the source language
    document = build_document(results, generated=dt.date(2025, 1, 15))
    return document, render_html(document, tables_file="report-tables.zip")


def _headings(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", h) for h in re.findall(r"<h2>(.*?)</h2>", html)]


def _french_percent(estimate: float, lower: float, upper: float) -> str:
    """Written out here (not the report's formatter): one decimal, decimal comma, no-break space before %."""

    def one(value: float) -> str:
        return f"{100 * value:.1f}".replace(".", ",")

    return f"{one(estimate)}{NBSP}% ({one(lower)}–{one(upper)})"


def test_french_html_headings_and_table_headers(french: tuple[Document, str]) -> None:
    _, html = french
    assert '<html lang="fr">' in html
    headings = _headings(html)
    for title in FRENCH_TITLES:
        assert title in headings, title
    for text in (
        "<h1>Résultats de l&#x27;autogreffe de CSH dans les maladies auto-immunes</h1>",
        "Tableau 1. Caractéristiques des patients et de la greffe",
        "<th>Caractéristique</th>",
        "<th>Critère</th>",
        "Tableau 2. Survie et incidence cumulée à des temps fixes, % (IC à 95",
        "<td>Survie globale</td>",
        "<td>Survie sans progression</td>",
        "<td>Mortalité non liée à la rechute</td>",
        "Khi-deux</th>",
        "<dt>Date de point</dt>",
        "<strong>Sommaire</strong>",
        "La survie a été estimée par la méthode de Kaplan-Meier (Kaplan &amp; Meier, J Am Stat Assoc 1958)",
        "intervalles de confiance ponctuels à 95",
    ):
        assert text in html, text


def test_french_html_leaves_no_english_heading(french: tuple[Document, str]) -> None:
    _, html = french
    headings = _headings(html)
    assert not [title for title in ENGLISH_TITLES if title in headings]
    assert not [words for words in ENGLISH_WORDS if words in html]


def test_french_numbers_have_a_decimal_comma(analysis_set: AnalysisSet, french: tuple[Document, str]) -> None:
    _, html = french
    frame = analysis_set.frame
    os_fit = kaplan_meier(frame["os_days"].to_numpy(float), frame["os_event"].to_numpy())
    at = os_fit.at([YEAR, 5 * YEAR])
    for i in range(2):
        assert _french_percent(at.estimate[i], at.lower[i], at.upper[i]) in html
    assert "31/12/2024" in html and "2024-12-31" not in html  # the data cut-off, as French dates are written
    assert "15/01/2025" in html  # the day the report was generated


def test_english_is_unchanged_by_default(analysis_set: AnalysisSet, english: tuple[Document, str]) -> None:
    document, html = english
    assert '<html lang="en-GB">' in html
    assert [s.title for s in document.sections][:3] == ["Cohort", "Survival", "Survival by disease"]
    for words in ENGLISH_WORDS:
        assert words in html, words
    frame = analysis_set.frame
    os_fit = kaplan_meier(frame["os_days"].to_numpy(float), frame["os_event"].to_numpy())
    at = os_fit.at([YEAR])
    percent = f"{100 * at.estimate[0]:.1f}% ({100 * at.lower[0]:.1f}–{100 * at.upper[0]:.1f})"
    assert percent in html and "2024-12-31" in html
    assert not [title for title in FRENCH_TITLES if title in _headings(html)]


def _pdf_text(pdf: bytes) -> str:
    """The text shown by the PDF's pages: ReportLab's ``(…) Tj`` strings in its deflated content streams
    (the standard fonts' WinAnsi encoding, octal escapes)."""
    shown = []
    for raw in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            content = zlib.decompress(raw)
        except zlib.error:
            continue  # an image
        for text in re.findall(rb"\((.*?)(?<!\\)\) Tj", content):
            text = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), text)
            shown.append(text.replace(rb"\(", b"(").replace(rb"\)", b")").decode("cp1252"))
    return "\n".join(shown)


def test_french_pdf_prints_french_headings(results: OutcomesResults) -> None:
    document = _document(results, "fr")
    with translation.override("fr"):
        text = _pdf_text(render_pdf(document))
    for words in ("Cohorte", "Méthodes", "Estimations", "Caractéristique", "Date de point", "Page 2"):
        assert words in text, words
    assert "Data cut-off" not in text and "Methods" not in text and "Page 2" in text


def test_english_pdf_prints_english_headings(english: tuple[Document, str]) -> None:
    translation.deactivate()
    text = _pdf_text(render_pdf(english[0]))
    for words in ("Cohort", "Methods", "Estimates", "Characteristic", "Data cut-off", "Page 2"):
        assert words in text, words
    assert "Méthodes" not in text


# the command line: --language sets the language the report is rendered in


@pytest.fixture
def report_calls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[dict[str, Any]]]:
    """``produce_report`` replaced: each call's request and the language active during it (the command's
    own work, without a registry to read)."""
    from remission.reports import pipeline

    calls: list[dict[str, Any]] = []

    def produce(request: Any, out: Any, **kwargs: Any) -> pipeline.ReportRun:
        calls.append(
            {"language": translation.get_language(), "filters": request.filters, "title": request.title}
        )
        return pipeline.ReportRun(report=Path(out), tables=tmp_path / "t.zip", seconds={}, n_patients=3)

    monkeypatch.setattr("remission.cli.report.start_django", lambda settings=None: None)
    monkeypatch.setattr("remission.cli.report.require_registry", lambda name: True)
    monkeypatch.setattr("remission.cli.report.database_label", lambda: "a test registry")
    monkeypatch.setattr(pipeline, "produce_report", produce)
    yield calls


def test_cli_language_flag_renders_under_that_language(
    report_calls: list[dict[str, Any]], tmp_path: Path
) -> None:
    out = str(tmp_path / "rapport.html")
    args = ["report", "--disease", "ssc", "--from", "2010-01-01", "--out", out]
    assert main([*args, "--language", "fr"]) == 0
    assert main(args) == 0
    french, english = report_calls
    assert french["language"] == "fr" and english["language"] == "en-gb"
    assert french["filters"] == (
        ("Maladie", "Sclérodermie systémique"),
        ("Réinjection", "du 01/01/2010 au …"),
    )
    assert english["filters"] == (("Disease", "Systemic sclerosis"), ("Infusion", "2010-01-01 to …"))
    assert str(french["title"]) == str(english["title"])  # the default title is lazy: worded when rendered


def test_cli_refuses_a_language_the_site_does_not_offer(
    report_calls: list[dict[str, Any]], tmp_path: Path, capsys: Any
) -> None:
    assert main(["report", "--out", str(tmp_path / "r.html"), "--language", "nl"]) == 2
    assert "nl" in capsys.readouterr().err and not report_calls


# the web download: the job carries the request's language


@pytest.fixture
def empty_cache() -> Iterator[None]:
    """An empty cache; and the language the test client's requests activate in this thread, dropped after."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
    translation.deactivate()


def _in(client: Client, language: str) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_a_french_download_is_a_french_report_and_a_job_of_its_own(
    client_of: Callable[[str], Client],  # noqa: F811
    committed_world: World,  # noqa: F811
    empty_cache: None,
) -> None:
    url = reverse("outcomes_report", args=["html"])
    french_client = _in(client_of("stat"), "fr")
    french_pk = _job_id(french_client.get(url, HTTP_ACCEPT_LANGUAGE="fr"))
    french = _finish(french_pk)
    assert french.status == "done", french.error
    assert french.request.get("language") == "fr"
    french_html = bytes(ComputationJob.objects.get(pk=french_pk).content).decode("utf-8")
    assert '<html lang="fr">' in french_html and "<h2>Cohorte</h2>" in french_html
    assert "<h2>Méthodes</h2>" in french_html and "<h2>Cohort</h2>" not in french_html

    english_client = _in(client_of("stat"), "en-gb")
    english_pk = _job_id(english_client.get(url, HTTP_ACCEPT_LANGUAGE="en-gb"))
    assert english_pk != french_pk  # the same cohort in another language: another job, another file
    english = _finish(english_pk)
    assert english.status == "done", english.error
    assert "language" not in english.request  # the source language: the request reads as before
    english_html = bytes(ComputationJob.objects.get(pk=english_pk).content).decode("utf-8")
    assert '<html lang="en-GB">' in english_html and "<h2>Cohort</h2>" in english_html
    assert english.results_key == french.results_key  # one analysis, language-free

    assert _job_id(french_client.get(url, HTTP_ACCEPT_LANGUAGE="fr")) == french_pk  # kept: given back
