"""A first load on PostgreSQL: keys and indexes dropped, rows written, keys and indexes built again — in
one transaction, so that a failure leaves the registry (and its schema) as it was."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError

from remission.registry.models import AuditRecord, LabResult, Patient
from remission.synth import bulk
from remission.synth.first_load import keys_and_indexes_after, table_extras
from remission.synth.plan import MODEL_ORDER
from remission.synth.records import MODELS

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

TABLES = [Patient, *(MODELS[name] for name in MODEL_ORDER), AuditRecord]


def _schema() -> list:
    return table_extras([model._meta.db_table for model in TABLES])


def _count_keys_and_indexes(extras: list) -> tuple[int, int]:
    return sum(len(t.foreign_keys) for t in extras), sum(len(t.indexes) for t in extras)


def test_a_first_load_rebuilds_every_key_and_index_it_dropped() -> None:
    before = _schema()
    keys, indexes = _count_keys_and_indexes(before)
    assert keys > 10 and indexes > 10  # the registry has both, so the test would see them go missing
    result = bulk.bulk_load(seed=40, count=30, batch_size=10, validate="none", writer="copy", workers=0)
    assert Patient.objects.count() == 30 == result.patients
    assert _schema() == before


def test_a_first_load_that_fails_leaves_no_patient_and_the_schema_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = _schema()
    calls = {"n": 0}
    original = bulk.copy_batch

    def fails_on_the_third_batch(*args: object, **kwargs: object) -> int:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full (simulated)")
        return original(*args, **kwargs)

    monkeypatch.setattr(bulk, "copy_batch", fails_on_the_third_batch)
    with pytest.raises(RuntimeError, match="disk full"):
        bulk.bulk_load(seed=41, count=30, batch_size=10, validate="none", writer="copy", workers=0)
    assert not Patient.objects.exists() and not LabResult.objects.exists()
    assert _schema() == before


def test_a_dangling_reference_fails_when_the_keys_are_added_back() -> None:
    before = _schema()
    orphan = LabResult(
        patient_id=987654321, date=dt.date(2020, 1, 1), analyte="cd4", value=1, unit="cells/uL"
    )
    with pytest.raises(IntegrityError, match="foreign key"), keys_and_indexes_after(TABLES):
        LabResult.objects.bulk_create([orphan])  # a lab result of a patient that does not exist
    assert not LabResult.objects.exists()
    assert _schema() == before


def test_a_registry_with_patients_is_loaded_batch_by_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    bulk.bulk_load(seed=42, count=5, validate="none", writer="copy", workers=0)
    used: list[object] = []
    monkeypatch.setattr(bulk, "keys_and_indexes_after", lambda tables: used.append(tables))
    bulk.bulk_load(seed=43, count=5, validate="none", writer="copy", workers=0)
    assert used == [] and Patient.objects.count() == 10
