"""``remission export``: the file, the acting user's scope, the k-anonymity summary, the audit row."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from remission.cli import main
from remission.cli._django import NO_SUCH_USER
from remission.registry.codes import AuditAction
from remission.registry.models import AuditRecord
from tests.registry.conftest import stored_world, world  # noqa: F401 (fixtures)


@pytest.fixture
def quiet_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    """Django is already set up by pytest-django; the command must use that (test) database."""
    monkeypatch.setattr("remission.cli.export.start_django", lambda settings=None: None)


def test_export_as_a_centre_user(
    world: Any,  # noqa: F811
    quiet_setup: None,
    tmp_path: Path,
    capsys: Any,
) -> None:
    out = tmp_path / "a.zip"
    assert main(["export", "--format", "csv", "--out", str(out), "--as", "dm_a"]) == 0
    with zipfile.ZipFile(out) as archive:
        patients = pd.read_csv(io.BytesIO(archive.read("patient.csv")))
    assert list(patients["registry_id"]) == [world.patient_a.registry_id]
    audit = AuditRecord.objects.get(action=AuditAction.EXPORT)
    assert audit.after["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert audit.after["sha256"] in capsys.readouterr().out


def test_deidentified_export_prints_and_writes_k_anonymity(
    world: Any,  # noqa: F811
    quiet_setup: None,
    tmp_path: Path,
    capsys: Any,
) -> None:
    out = tmp_path / "d.xlsx"
    assert main(["export", "--format", "xlsx", "--out", str(out), "--deidentify"]) == 0
    printed = capsys.readouterr().out
    assert "k-anonymity over age_band, sex, centre, primary_disease: k = 1" in printed
    assert (tmp_path / "d.xlsx.k-anonymity.csv").exists()


def test_unknown_user_is_named(
    world: Any,  # noqa: F811
    quiet_setup: None,
    tmp_path: Path,
    capsys: Any,
) -> None:
    assert main(["export", "--format", "csv", "--out", str(tmp_path / "x.zip"), "--as", "ghost"]) == 1
    assert NO_SUCH_USER.format(name="ghost") in capsys.readouterr().err
