"""``remission quality run``: the rules over the registry or one centre, with their queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from remission.cli import main
from remission.registry import services
from remission.registry.access import SYSTEM
from remission.registry.codes import AuditAction
from remission.registry.models import AuditRecord, Query
from tests.registry.quality.hand_built import treated

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiet_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    """Django is already set up by pytest-django; the command must use that (test) database."""
    monkeypatch.setattr("remission.cli.quality.start_django", lambda settings=None: None)


def test_quality_run_opens_the_rules_queries(quiet_setup: None, capsys: Any) -> None:
    leiden = services.centre_create(actor=SYSTEM, code="leiden", name="Leiden", country="NL")
    basel = services.centre_create(actor=SYSTEM, code="basel", name="Basel", country="CH")
    mine = treated(SYSTEM, leiden, dt.date(2024, 1, 1), disease=None).patient  # no primary diagnosis
    theirs = treated(SYSTEM, basel, dt.date(2024, 1, 1), disease=None).patient
    assert main(["quality", "run", "--centre", "leiden", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "Data-quality rules over centre leiden" in out
    assert "       1  primary-diagnosis-given  (Primary diagnosis recorded)" in out
    assert "queries opened 1, closed 0, re-opened 0" in out
    assert list(Query.objects.values_list("patient_id", "rule")) == [(mine.pk, "primary-diagnosis-given")]
    assert main(["quality", "run", "--quiet"]) == 0
    assert "queries opened 1, closed 0" in capsys.readouterr().out
    assert Query.objects.filter(patient_id=theirs.pk).count() == 1
    run = AuditRecord.objects.filter(action=AuditAction.QUALITY_RUN).order_by("sequence").last()
    assert (run.actor_id, run.reason) == (None, "command line")


def test_quality_run_names_what_it_cannot_find(quiet_setup: None, capsys: Any) -> None:
    assert main(["quality", "run", "--centre", "nowhere", "--quiet"]) == 2
    assert "no centre with code 'nowhere'" in capsys.readouterr().err
    assert main(["quality", "run", "--as", "nobody", "--quiet"]) == 2
    assert "no active account named 'nobody'" in capsys.readouterr().err
    assert main(["quality"]) == 2  # no action: the help
    assert "run" in capsys.readouterr().out


def test_an_unknown_centre_is_named_and_nothing_runs(quiet_setup: None, capsys: Any) -> None:
    assert main(["quality", "run", "--centre", "nowhere", "--quiet"]) == 2
    assert "nowhere" in capsys.readouterr().err
    assert not AuditRecord.objects.filter(action=AuditAction.QUALITY_RUN).exists()
