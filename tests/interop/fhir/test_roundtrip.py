"""registry → FHIR bundles → ``import_rows`` into an emptied registry → the same records, field by field."""

from __future__ import annotations

from pathlib import Path

from remission.interop.fhir.export import fhir_export
from remission.interop.fhir.read import SYSTEM, read_folder
from remission.interop.importing import import_rows
from remission.registry.access import SYSTEM as OPERATOR
from remission.registry.models import Patient
from tests.interop.fhir.contents import empty_registry, registry_contents
from tests.registry.conftest import World


def test_registry_to_fhir_to_registry_gives_identical_records(world: World, tmp_path: Path) -> None:
    before = registry_contents()
    assert before[world.patient_a.registry_id]["OutcomeEvent"], "the widened course must be there"
    fhir_export(actor=OPERATOR, folder=tmp_path)
    empty_registry()
    assert not Patient.objects.exists()

    result = import_rows(read_folder(tmp_path), system=SYSTEM, actor=OPERATOR, commit=True)

    assert result.problems == ()
    assert result.committed
    after = registry_contents()
    assert after.keys() == before.keys()
    for registry_id, records in before.items():
        for model, rows in records.items():
            assert after[registry_id][model] == rows, (registry_id, model)


def test_reimporting_the_same_bundles_changes_nothing(world: World, tmp_path: Path) -> None:
    fhir_export(actor=OPERATOR, folder=tmp_path)
    empty_registry()
    import_rows(read_folder(tmp_path), system=SYSTEM, actor=OPERATOR, commit=True)
    first = registry_contents()

    again = import_rows(read_folder(tmp_path), system=SYSTEM, actor=OPERATOR, commit=True)

    assert again.problems == ()
    assert sum(again.created.values()) == 0
    assert registry_contents() == first


def test_a_dry_run_writes_nothing(world: World, tmp_path: Path) -> None:
    fhir_export(actor=OPERATOR, folder=tmp_path)
    empty_registry()

    result = import_rows(read_folder(tmp_path), system=SYSTEM, actor=OPERATOR, commit=False)

    assert result.problems == ()
    assert sum(result.created.values()) > 0
    assert not Patient.objects.exists()
