"""``fhir_export`` in the reader's scope, and the audit row every export leaves."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from remission.interop.fhir.export import AUDIT_ENTITY, fhir_bundle, fhir_export
from remission.registry.errors import NotFound
from remission.registry.models import AuditRecord
from tests.registry.conftest import World


def test_a_centre_user_exports_only_their_centres_patients(world: World, tmp_path: Path) -> None:
    result = fhir_export(actor=world.users["dm_a"], folder=tmp_path)
    assert [p.name for p in result.files] == [f"{world.patient_a.registry_id}.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{world.patient_a.registry_id}.json"]


def test_another_centres_patient_is_not_found(world: World, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        fhir_export(actor=world.users["dm_a"], folder=tmp_path, registry_id=world.patient_b.registry_id)
    with pytest.raises(NotFound):
        fhir_bundle(user=world.users["viewer_a"], registry_id=world.patient_b.registry_id)
    assert not AuditRecord.objects.filter(entity=AUDIT_ENTITY).exists()


def test_a_user_without_membership_exports_nothing(world: World, tmp_path: Path) -> None:
    result = fhir_export(actor=world.users["nobody"], folder=tmp_path)
    assert result.patients == 0
    assert list(tmp_path.iterdir()) == []


def test_the_statistician_exports_every_centre(world: World, tmp_path: Path) -> None:
    result = fhir_export(actor=world.users["stat"], folder=tmp_path)
    assert result.patients == 2


def test_every_bundle_handed_out_is_audited_with_its_hash(world: World, tmp_path: Path) -> None:
    user = world.users["dm_a"]
    fhir_export(actor=user, folder=tmp_path, registry_id=world.patient_a.registry_id)
    row = AuditRecord.objects.get(entity=AUDIT_ENTITY)
    path = tmp_path / f"{world.patient_a.registry_id}.json"
    bundle = json.loads(path.read_text(encoding="utf-8"))
    assert row.action == "export"
    assert row.actor_id == user.pk
    assert row.centre_id == world.centre_a.pk
    assert row.after["format"] == "fhir-r4-4.0.1"
    assert row.after["file"] == path.name
    assert row.after["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert row.after["filters"] == {"patient": world.patient_a.registry_id}
    assert row.after["scope"] == "centres: alpha"
    assert sum(row.after["row_counts"].values()) == len(bundle["entry"])
    assert row.after["row_counts"]["Patient"] == 1


def test_a_whole_export_leaves_one_row_per_bundle(world: World, tmp_path: Path) -> None:
    fhir_export(actor=world.users["admin"], folder=tmp_path)
    rows = AuditRecord.objects.filter(entity=AUDIT_ENTITY)
    assert sorted(r.after["file"] for r in rows) == sorted(p.name for p in tmp_path.glob("*.json"))
    assert {r.after["scope"] for r in rows} == {"all centres"}
    assert {r.after["filters"]["patient"] for r in rows} == {None}


def test_a_bundle_read_for_the_api_is_audited_too(world: World) -> None:
    fhir_bundle(user=world.users["clin_a"], registry_id=world.patient_a.registry_id)
    row = AuditRecord.objects.get(entity=AUDIT_ENTITY)
    assert (row.action, row.actor_id, row.after["file"]) == (
        "export",
        world.users["clin_a"].pk,
        f"{world.patient_a.registry_id}.json",
    )
