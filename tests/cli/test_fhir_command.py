"""``remission fhir export``: one file per patient in the account's scope."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from remission.cli import main
from remission.cli._django import NO_SUCH_USER
from remission.interop.fhir.export import AUDIT_ENTITY
from remission.registry.models import AuditRecord, Patient
from tests.interop.fhir.contents import empty_registry, registry_contents
from tests.registry.conftest import World, stored_world, world  # noqa: F401 (fixtures)


@pytest.fixture
def quiet_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    """Django is already set up by pytest-django; the command must use that (test) database."""
    monkeypatch.setattr("remission.cli.fhir.start_django", lambda settings=None: None)
    monkeypatch.setattr("remission.cli.imports.start_django", lambda settings=None: None)


def test_export_as_a_centre_user(world: World, quiet_setup: None, tmp_path: Path, capsys: Any) -> None:  # noqa: F811
    assert main(["fhir", "export", "--out", str(tmp_path), "--as", "dm_b"]) == 0
    assert [p.name for p in tmp_path.iterdir()] == [f"{world.patient_b.registry_id}.json"]
    assert "1 patients" in capsys.readouterr().out
    assert AuditRecord.objects.get(entity=AUDIT_ENTITY).actor_id == world.users["dm_b"].pk


def test_export_as_the_operator_takes_every_centre(world: World, quiet_setup: None, tmp_path: Path) -> None:  # noqa: F811
    assert main(["fhir", "export", "--out", str(tmp_path)]) == 0
    assert len(list(tmp_path.glob("*.json"))) == 2


def test_one_patient_of_another_centre_is_not_found(
    world: World,  # noqa: F811
    quiet_setup: None,
    tmp_path: Path,
    capsys: Any,
) -> None:
    code = main(
        ["fhir", "export", "--out", str(tmp_path), "--patient", world.patient_a.registry_id, "--as", "dm_b"]
    )
    assert code == 1
    assert f"Patient {world.patient_a.registry_id} was not found" in capsys.readouterr().err
    assert list(tmp_path.glob("*.json")) == []


def test_an_unknown_account(world: World, quiet_setup: None, tmp_path: Path, capsys: Any) -> None:  # noqa: F811
    assert main(["fhir", "export", "--out", str(tmp_path), "--as", "ghost"]) == 1
    assert NO_SUCH_USER.format(name="ghost") in capsys.readouterr().err


def test_export_then_import_fhir_commit_gives_the_same_registry(
    world: World,  # noqa: F811
    quiet_setup: None,
    tmp_path: Path,
    capsys: Any,
) -> None:
    before = registry_contents()
    assert main(["fhir", "export", "--out", str(tmp_path)]) == 0
    empty_registry()
    assert main(["import", "fhir", str(tmp_path), "--commit"]) == 0
    assert registry_contents() == before


def test_import_fhir_of_a_broken_bundle_names_the_problem_and_writes_nothing(
    world: World,  # noqa: F811
    quiet_setup: None,
    tmp_path: Path,
    capsys: Any,
) -> None:
    assert main(["fhir", "export", "--out", str(tmp_path), "--as", "dm_a"]) == 0
    path = tmp_path / f"{world.patient_a.registry_id}.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"cells/uL"', '"mg"', 1), encoding="utf-8")
    empty_registry()
    capsys.readouterr()
    assert main(["import", "fhir", str(tmp_path), "--commit"]) == 1
    err = capsys.readouterr().err
    assert f"{path.name} / Observation/lab-result-" in err
    assert "/ valueQuantity.unit / known_unit: 'mg' is not a unit for cd4" in err
    assert not Patient.objects.exists()
