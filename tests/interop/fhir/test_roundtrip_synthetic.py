"""The round trip over a synthetic cohort: every disease, instrument, regimen and product the generator
makes (items of every kind, ASTCT grades, CAR-T and MSC products, deaths), not only the example course."""

from __future__ import annotations

from pathlib import Path

from remission.interop.fhir.export import fhir_export
from remission.interop.fhir.read import SYSTEM, read_folder
from remission.interop.importing import import_rows
from remission.registry.access import SYSTEM as OPERATOR
from remission.registry.models import Centre
from remission.synth.bulk import ensure_centres
from remission.synth.via_services import services_load
from tests.interop.fhir.contents import empty_registry, registry_contents

PATIENTS = 25


def test_a_synthetic_cohort_makes_the_round_trip_unchanged(db: None, tmp_path: Path) -> None:
    ensure_centres()
    services_load(seed=20261204, count=PATIENTS, centres={c.code: c for c in Centre.objects.all()})
    before = registry_contents()
    assert len(before) == PATIENTS

    fhir_export(actor=OPERATOR, folder=tmp_path)
    empty_registry()
    result = import_rows(read_folder(tmp_path), system=SYSTEM, actor=OPERATOR, commit=True)

    assert result.problems == ()
    after = registry_contents()
    assert after.keys() == before.keys()
    for registry_id, records in before.items():
        for model, rows in records.items():
            assert after[registry_id][model] == rows, (registry_id, model)
