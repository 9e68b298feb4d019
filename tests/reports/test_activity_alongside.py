"""The disease-activity section built by a forked process: the same section, failures surfaced, no process
left behind. The fork needs PostgreSQL and committed rows (``transactional_db``).

pytest-django runs these transactional tests after the others, when the web tests' live server thread
runs in this process, so the automatic decision (one thread only) says no here: the mechanism is tested
with ``fork=True`` (that thread sits idle and holds nothing the forked process needs), and the automatic
decision end to end by ``remission report`` in a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
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
    with alongside.activity_alongside(user=SYSTEM, cutoff=None, fork=True) as pending:
        assert pending.alongside
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
    run = produce_report(ReportRequest(), tmp_path / "report.html", fork=True)
    assert run.alongside is not None and set(run.alongside) == {"query", "derivation", "models", "rendering"}
    assert "Disease activity and immune reconstitution" in run.report.read_text(encoding="utf-8")


@pytest.mark.postgres
def test_a_failure_there_is_raised_here(registry: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(**_: object) -> None:
        raise ValueError("the laboratory table is unreadable")

    monkeypatch.setattr(alongside, "read_measurements", broken)  # the fork inherits it
    with alongside.activity_alongside(user=SYSTEM, cutoff=None, fork=True) as pending:
        assert pending.alongside
        pending.read()
        pending.begin(load_analysis_set(), WHO)
        with pytest.raises(RuntimeError, match=r"(?s)failed:.*the laboratory table is unreadable"):
            pending.section()


@pytest.mark.postgres
def test_the_forked_process_ends_when_the_report_stops_early(registry: None) -> None:
    with alongside.activity_alongside(user=SYSTEM, cutoff=None, fork=True) as pending:
        assert pending.alongside
        process = pending._process
        pending.read()  # then no cohort: an empty cohort or an error stops the report here
    assert not process.is_alive() and process.exitcode == 0


def test_inside_a_transaction_the_section_is_built_here(db: None) -> None:
    reason = alongside.why_not_alongside()
    assert reason is not None
    if threading.active_count() == 1:  # else the other threads are the reason given first
        assert "transaction" in reason or "sqlite" in reason  # the test's own transaction, or SQLite


def test_the_section_needs_the_cohort_first() -> None:
    pending = alongside.PendingActivity(user=SYSTEM, cutoff=None)
    with pytest.raises(RuntimeError, match="needs the cohort first"):
        pending.section()


@pytest.mark.postgres
@pytest.mark.slow
def test_the_report_command_builds_the_section_alongside(registry: None, tmp_path: Path) -> None:
    """``remission report`` in a process of its own (one thread) on PostgreSQL decides to fork."""
    from django.db import connection

    settings = connection.settings_dict
    url = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    done = subprocess.run(
        [sys.executable, "-m", "remission", "report", "--out", str(tmp_path / "report.pdf")],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "Disease-activity section built alongside, in a forked process: query" in done.stdout
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")


def test_another_thread_is_named_as_the_reason() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, name="a-web-worker")
    other.start()
    try:
        assert "a-web-worker" in (alongside.why_not_alongside() or "")
    finally:
        stop.set()
        other.join()


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
