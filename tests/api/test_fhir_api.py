"""``GET /api/patients/{id}/fhir``: the same bytes as the command line's file, scoped and audited."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from django.test import Client

from remission.interop.fhir.export import AUDIT_ENTITY, fhir_export
from remission.registry.models import AuditRecord
from tests.registry.conftest import World


def test_the_bundle_equals_the_exported_file(
    world: World, token_for: Callable[[str], dict[str, str]], tmp_path: Path
) -> None:
    registry_id = world.patient_a.registry_id
    response = Client().get(f"/api/patients/{registry_id}/fhir", **token_for("dm_a"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    fhir_export(actor=world.users["dm_a"], folder=tmp_path, registry_id=registry_id)
    assert response.content == (tmp_path / f"{registry_id}.json").read_bytes()
    bundle = json.loads(response.content)
    assert (bundle["resourceType"], bundle["type"], bundle["id"]) == ("Bundle", "collection", registry_id)


def test_another_centres_patient_is_a_404(world: World, token_for: Callable[[str], dict[str, str]]) -> None:
    response = Client().get(f"/api/patients/{world.patient_b.registry_id}/fhir", **token_for("dm_a"))
    assert response.status_code == 404
    assert response.json()["errors"][0]["rule"] == "not_found"
    assert not AuditRecord.objects.filter(entity=AUDIT_ENTITY).exists()


def test_no_token_is_a_401(world: World) -> None:
    assert Client().get(f"/api/patients/{world.patient_a.registry_id}/fhir").status_code == 401


def test_every_call_is_audited(world: World, token_for: Callable[[str], dict[str, str]]) -> None:
    Client().get(f"/api/patients/{world.patient_b.registry_id}/fhir", **token_for("dm_b"))
    row = AuditRecord.objects.get(entity=AUDIT_ENTITY)
    assert (row.action, row.actor_id, row.after["file"]) == (
        "export",
        world.users["dm_b"].pk,
        f"{world.patient_b.registry_id}.json",
    )
