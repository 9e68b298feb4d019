"""The disease-activity section built by a forked process: the same section, failures surfaced, no process
left behind. The fork needs PostgreSQL and committed rows (``transactional_db``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from remission.analysis import load_analysis_set
from remission.analysis.longitudinal import load_measurements
from remission.registry.access import SYSTEM
from remission.reports import activity_alongside as alongside
from remission.reports.activity import summarise_measurements
from remission.reports.outcomes_report import activity_section
from remission.reports.pipeline import ReportRequest, produce_report

SMALL_DEMO = 60
WHO = "a small demo registry · n = 60"


@pytest.fixture
def registry(transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from remission.synth.demo import build_demo

    monkeypatch.setattr("remission.synth.demo.DEMO_PATIENTS", SMALL_DEMO)
    build_demo(seed=5)


@pytest.mark.postgres
@pytest.mark.slow
def test_the_forked_section_is_the_one_built_here(registry: None) -> None:
    analysis_set = load_analysis_set()
    with alongside.activity_alongside(user=SYSTEM, cutoff=None) as pending:
        assert pending.alongside, alongside.why_not_alongside()
        pending.read()
        pending.begin(analysis_set, WHO)
        forked = pending.section()
    here = activity_section(summarise_measurements(load_measurements(analysis_set, user=SYSTEM)), WHO)
    assert forked == here  # the same tables, captions and PNG bytes
    assert any(getattr(block, "png", None) for block in forked.blocks)
    assert set(pending.seconds) == {"query", "derivation", "models", "rendering"}


@pytest.mark.postgres
@pytest.mark.slow
def test_the_report_on_postgresql_builds_the_section_alongside(registry: None, tmp_path: Path) -> None:
    run = produce_report(ReportRequest(), tmp_path / "report.html")
    assert run.alongside is not None and set(run.alongside) == {"query", "derivation", "models", "rendering"}
    assert "Disease activity and immune reconstitution" in run.report.read_text(encoding="utf-8")


@pytest.mark.postgres
def test_a_failure_there_is_raised_here(registry: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(**_: object) -> None:
        raise ValueError("the laboratory table is unreadable")

    monkeypatch.setattr(alongside, "read_measurements", broken)  # the fork inherits it
    with alongside.activity_alongside(user=SYSTEM, cutoff=None) as pending:
        assert pending.alongside
        pending.read()
        pending.begin(load_analysis_set(), WHO)
        with pytest.raises(RuntimeError, match=r"(?s)failed:.*the laboratory table is unreadable"):
            pending.section()


@pytest.mark.postgres
def test_the_forked_process_ends_when_the_report_stops_early(registry: None) -> None:
    with alongside.activity_alongside(user=SYSTEM, cutoff=None) as pending:
        assert pending.alongside
        process = pending._process
        pending.read()  # then no cohort: an empty cohort or an error stops the report here
    assert not process.is_alive() and process.exitcode == 0


def test_inside_a_transaction_the_section_is_built_here(db: None) -> None:
    reason = alongside.why_not_alongside()
    assert reason is not None
    assert "transaction" in reason or "sqlite" in reason  # the test's own transaction, or SQLite


def test_the_section_needs_the_cohort_first() -> None:
    pending = alongside.PendingActivity(user=SYSTEM, cutoff=None)
    with pytest.raises(RuntimeError, match="needs the cohort first"):
        pending.section()


@pytest.mark.postgres
@pytest.mark.slow
def test_the_report_command_builds_the_section_alongside(
    registry: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import dataclasses

    from remission.cli import main
    from remission.settings import environment

    monkeypatch.setattr("remission.cli.report.setup_django", lambda settings=None: None)
    monkeypatch.setattr(environment, "ENV", dataclasses.replace(environment.ENV, database_url="postgres://"))
    assert main(["report", "--out", str(tmp_path / "report.pdf")]) == 0
    assert "Disease-activity section built alongside, in a forked process: query" in capsys.readouterr().out


@pytest.mark.slow
def test_inside_a_transaction_the_same_steps_run_here(registry: None) -> None:
    from django.db import transaction

    analysis_set = load_analysis_set()
    with transaction.atomic(), alongside.activity_alongside(user=SYSTEM, cutoff=None) as pending:
        assert not pending.alongside
        pending.read()  # nothing to do here
        pending.begin(analysis_set, WHO)  # reads the measurements
        section = pending.section()
        assert pending.section() is section  # built once
    measurements = load_measurements(analysis_set, user=SYSTEM)
    assert section == activity_section(summarise_measurements(measurements), WHO)
    assert pending.seconds == {}  # no forked process to time
