"""``remission report`` on a small registry written through the registry's own code paths."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from remission.analysis import Cohort, load_analysis_set
from remission.cli import main
from remission.registry.models import Patient
from remission.reports.pipeline import ReportRequest

SMALL_DEMO = 40


@pytest.fixture
def embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a machine with no DATABASE_URL, with a small demo registry (the tests build it: the report
    command never does)."""
    from remission.settings import environment

    monkeypatch.setattr("remission.cli.report.start_django", lambda settings=None: None)
    monkeypatch.setattr(environment, "ENV", dataclasses.replace(environment.ENV, database_url=None))
    monkeypatch.setattr("remission.synth.demo.DEMO_PATIENTS", SMALL_DEMO)


@pytest.mark.slow
def test_report_command_writes_html_from_the_demo(
    db: None, embedded: None, tmp_path: Path, capsys: Any
) -> None:
    from remission.synth.demo import build_demo

    build_demo(seed=1)
    out = tmp_path / "report.html"
    assert main(["report", "--out", str(out)]) == 0
    assert Patient.objects.count() == SMALL_DEMO
    text = out.read_text(encoding="utf-8")
    assert "<h1>Outcomes after autologous HSCT" in text and "Data cut-off" in text
    # the pipeline reads the cohort's scores and laboratory values: the activity section is there
    assert "Disease activity and immune reconstitution" in text
    assert (tmp_path / "report-tables.zip").exists()
    printed = capsys.readouterr().out
    assert "query" in printed and "rendering" in printed

    pdf = tmp_path / "ssc.pdf"
    assert main(["report", "--disease", "ssc", "--disease", "ms", "--out", str(pdf)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")


def test_report_command_refuses_other_suffixes(capsys: Any) -> None:
    with pytest.raises(SystemExit):
        main(["report", "--out", "report.docx"])
    assert ".html or .pdf" in capsys.readouterr().err


def test_staged_derivation_equals_load_analysis_set(db: None, embedded: None) -> None:
    from remission.analysis.results import ResultsRequest, compute_results
    from remission.registry.access import SYSTEM
    from remission.synth.demo import build_demo

    build_demo(seed=3)
    cohort = Cohort(disease=("ssc", "ms", "sle"))
    staged = compute_results(ResultsRequest(cohort=cohort), user=SYSTEM).analysis_set
    direct = load_analysis_set(cohort=cohort)
    assert len(staged.frame) > 0
    assert staged.frame.equals(direct.frame)
    assert staged.findings.equals(direct.findings) and staged.excluded == direct.excluded


def test_each_stage_is_reported_once_in_order(db: None, embedded: None, tmp_path: Path) -> None:
    from remission.reports.pipeline import STAGES, produce_report
    from remission.synth.demo import build_demo

    build_demo(seed=3)
    seen: list[str] = []
    run = produce_report(ReportRequest(), tmp_path / "report.html", on_stage=seen.append)
    assert seen == list(STAGES)  # the query's second part (the measurements) is not a fifth step
    assert set(run.seconds) == set(STAGES)
