"""Both ways in: every generated patient passes the registry's rules, the bulk path writes exactly what
the services path writes, and the same seed gives the same registry byte for byte."""

from __future__ import annotations

import pytest

from remission.registry.access import SYSTEM
from remission.registry.models import AuditRecord, Centre, FollowUp, Patient
from remission.registry.validation import patient_findings
from remission.synth import bulk
from remission.synth.export import export_text
from remission.synth.records import MODELS
from remission.synth.via_services import services_load

from .conftest import wipe_patients

pytestmark = pytest.mark.django_db


def _findings() -> list:
    return [f for patient in Patient.objects.all() for f in patient_findings(patient)]


@pytest.mark.slow
def test_bulk_path_patients_pass_every_rule() -> None:
    result = bulk.bulk_load(seed=21, count=300, batch_size=120, validate="all")
    assert result.patients == 300 and result.validated_patients == 300
    assert Patient.objects.count() == 300
    assert _findings() == []


@pytest.mark.slow
def test_services_path_patients_pass_every_rule() -> None:
    centres = {c.code: c for c in Centre.objects.filter(pk__in=bulk.ensure_centres().values())}
    services_load(seed=22, count=200, centres=centres, actor=SYSTEM, reason=bulk.audit_reason(22))
    assert Patient.objects.count() == 200
    assert _findings() == []


@pytest.mark.slow
def test_bulk_path_writes_what_the_services_path_writes() -> None:
    centres = {c.code: c for c in Centre.objects.filter(pk__in=bulk.ensure_centres().values())}
    services_load(seed=23, count=40, centres=centres, actor=SYSTEM, reason=bulk.audit_reason(23))
    through_services = export_text()
    wipe_patients()
    bulk.bulk_load(seed=23, count=40, batch_size=15, validate="all", audit="record")
    assert export_text() == through_services


def test_same_seed_gives_the_same_registry_byte_for_byte() -> None:
    bulk.bulk_load(seed=24, count=80, batch_size=30, validate="none")
    first = export_text()
    wipe_patients()
    bulk.bulk_load(seed=24, count=80, batch_size=50, validate="none")
    assert export_text() == first
    wipe_patients()
    bulk.bulk_load(seed=25, count=80, validate="none")
    assert export_text() != first


def test_record_audit_mode_writes_one_audit_row_per_row() -> None:
    result = bulk.bulk_load(seed=26, count=30, audit="record", validate="none")
    rows = Patient.objects.count() + sum(model.objects.count() for model in MODELS.values())
    assert result.rows == rows
    assert AuditRecord.objects.filter(patient__isnull=False).count() == rows
    patient = Patient.objects.first()
    assert AuditRecord.objects.filter(entity="registry.patient", record_id=patient.pk).exists()


def test_patient_audit_mode_writes_one_row_listing_what_was_created() -> None:
    bulk.bulk_load(seed=27, count=20, audit="patient", validate="none")
    audits = AuditRecord.objects.filter(patient__isnull=False)
    assert audits.count() == 20
    one = audits.first()
    created = one.after["created"]
    assert created["registry.infusion"] and one.after["patient"]["registry_id"].startswith("S27-")


def test_loading_the_same_seed_twice_is_refused() -> None:
    bulk.bulk_load(seed=28, count=3, validate="none")
    with pytest.raises(ValueError, match="already exists"):
        bulk.bulk_load(seed=28, count=3, validate="none")


def test_a_record_breaking_a_rule_stops_the_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    from remission.synth import generate

    original = generate.generate_patient

    def broken(seed: int, index: int, **kwargs: object):
        plan = original(seed, index, **kwargs)
        lab = next(r for r in plan.records if r.model == "FollowUp")
        lab.fields["vital_status"] = "sleeping"
        return plan

    monkeypatch.setattr(bulk, "generate_patient", broken)
    with pytest.raises(Exception, match="vital_status"):
        bulk.bulk_load(seed=29, count=5, validate="all")
    assert not Patient.objects.filter(registry_id__startswith="S29-").exists()


@pytest.mark.slow
@pytest.mark.postgres
def test_copy_writer_stores_what_bulk_create_stores() -> None:
    bulk.bulk_load(seed=30, count=60, batch_size=25, validate="sample", writer="orm", audit="record")
    through_orm = export_text()
    wipe_patients()
    bulk.bulk_load(seed=30, count=60, batch_size=25, validate="sample", writer="copy", audit="record")
    assert export_text() == through_orm
    assert _findings() == []
    audits = AuditRecord.objects.filter(patient__isnull=False)
    assert audits.count() == Patient.objects.count() + sum(model.objects.count() for model in MODELS.values())


@pytest.mark.postgres
def test_copy_writer_leaves_the_sequences_ahead_of_its_rows() -> None:
    bulk.bulk_load(seed=31, count=10, validate="none", writer="copy")
    centres = {c.code: c for c in Centre.objects.all()}
    services_load(seed=32, count=1, centres=centres, actor=SYSTEM)  # the services insert with default ids
    assert Patient.objects.count() == 11


def test_copy_writer_needs_postgresql(settings: object) -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        pytest.skip("on PostgreSQL the copy writer is available")
    with pytest.raises(ValueError, match="needs PostgreSQL"):
        bulk.bulk_load(seed=33, count=1, writer="copy")


@pytest.mark.postgres
def test_copy_writer_gives_the_same_registry_whatever_the_batches_and_workers() -> None:
    bulk.bulk_load(seed=34, count=40, batch_size=40, validate="none", writer="copy", workers=0)
    in_one_batch = export_text()
    wipe_patients()
    bulk.bulk_load(seed=34, count=40, batch_size=7, validate="none", writer="copy", workers=2)
    assert export_text() == in_one_batch


@pytest.mark.postgres
def test_copy_writer_patient_audit_lists_every_row_created() -> None:
    result = bulk.bulk_load(seed=35, count=25, batch_size=10, validate="none", writer="copy", audit="patient")
    audits = AuditRecord.objects.filter(patient__isnull=False)
    assert audits.count() == result.audit_rows == 25
    listed = 0
    for audit in audits:
        assert audit.entity == "registry.patient" and audit.record_id == audit.patient_id
        assert audit.after["patient"]["registry_id"] == Patient.objects.get(pk=audit.patient_id).registry_id
        for label, ids in audit.after["created"].items():
            model = next(m for m in MODELS.values() if m._meta.label_lower == label)
            assert model.objects.filter(pk__in=ids, patient_id=audit.patient_id).count() == len(ids)
            listed += len(ids)
    assert listed + 25 == result.rows


@pytest.mark.postgres
def test_copy_writer_escapes_tabs_backslashes_newlines_and_unicode(monkeypatch: pytest.MonkeyPatch) -> None:
    from remission.synth import copy_text, generate

    original = generate.generate_patient
    awkward = "tab\there, back\\slash, new\nline, Müller ✔"

    def with_awkward_text(seed: int, index: int, **kwargs: object):
        plan = original(seed, index, **kwargs)
        for rec in plan.records:
            if rec.model == "FollowUp":
                rec.fields["current_therapy"] = awkward
            if rec.model == "Diagnosis":
                rec.fields["missing"] = {"first_symptom_date": "unknown", "note": awkward}
        return plan

    monkeypatch.setattr(bulk, "generate_patient", with_awkward_text)
    monkeypatch.setattr(copy_text, "generate_patient", with_awkward_text)
    bulk.bulk_load(seed=36, count=5, validate="none", writer="orm")
    through_orm = export_text()
    wipe_patients()
    bulk.bulk_load(seed=36, count=5, validate="none", writer="copy", workers=0)
    assert export_text() == through_orm
    assert FollowUp.objects.filter(current_therapy=awkward).exists()
