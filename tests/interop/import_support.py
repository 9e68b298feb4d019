"""Helpers for the import tests: a small varied source registry, its REDCap files, and a comparison of
two registries' records that ignores only database ids (and timestamps)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.db import models

from remission.interop.extract import registry_extract
from remission.interop.importing import ImportResult, import_rows
from remission.interop.mapping import ImportMapping
from remission.interop.models import ImportedRecord
from remission.interop.redcap import read_redcap, write_dictionary, write_records
from remission.registry.access import SYSTEM
from remission.registry.models import PATIENT_RECORD_MODELS, AuditRecord, Patient
from remission.synth.bulk import bulk_load
from tests.audit_support import erase_audit_rows

IGNORED = frozenset({"id", "created_at", "updated_at", "patient"})


def make_source(count: int = 24, seed: int = 5) -> None:
    """A synthetic registry of ``count`` patients (through the bulk path, every record validated)."""
    bulk_load(seed=seed, count=count, writer="orm", validate="all", audit="record")


def wipe_patients() -> None:
    """Delete every patient, record, audit row of a patient and import memory (centres stay)."""
    ImportedRecord.objects.all().delete()
    erase_audit_rows(AuditRecord.objects.filter(patient__isnull=False))
    for model in reversed(PATIENT_RECORD_MODELS):
        model.objects.all().delete()
    Patient.objects.all().delete()


def _ordinals() -> dict[tuple[type[models.Model], int], int]:
    """Each record's position among its patient's records of its model (by key): ids stripped of the
    database, so links can be compared across two registries."""
    found: dict[tuple[type[models.Model], int], int] = {}
    for model in PATIENT_RECORD_MODELS:
        seen: dict[int, int] = {}
        for pk, patient_id in model.objects.order_by("patient_id", "pk").values_list("pk", "patient_id"):
            seen[patient_id] = seen.get(patient_id, 0) + 1
            found[(model, pk)] = seen[patient_id]
    return found


def registry_records() -> dict[str, Any]:
    """Every patient (by registry ID) with its centre, fields and every field of every record, in key
    order; a link to another record is that record's ordinal among the patient's records of its model."""
    ordinals = _ordinals()
    result: dict[str, Any] = {}
    for patient in Patient.objects.select_related("centre"):
        own = {
            f.name: getattr(patient, f.attname)
            for f in Patient._meta.concrete_fields
            if f.name not in IGNORED
        }
        own["centre"] = patient.centre.code
        records: dict[str, list[dict[str, Any]]] = {}
        for model in PATIENT_RECORD_MODELS:
            rows = []
            for record in model.objects.filter(patient=patient).order_by("pk"):
                values: dict[str, Any] = {}
                for f in model._meta.concrete_fields:
                    if f.name in IGNORED:
                        continue
                    value = getattr(record, f.attname)
                    if f.is_relation and value is not None:
                        value = ordinals[(f.related_model, value)]
                    values[f.name] = value
                rows.append(values)
            records[model.__name__] = rows
        result[patient.registry_id] = {"patient": own, "records": records}
    return result


def export_redcap(folder: Path) -> tuple[Path, Path]:
    """The registry as a REDCap data dictionary and records export, in ``folder``."""
    dictionary, records = folder / "dictionary.csv", folder / "records.csv"
    with dictionary.open("w", encoding="utf-8", newline="") as out:
        write_dictionary(out)
    buffer = io.StringIO()
    write_records(buffer, registry_extract(actor=SYSTEM))
    records.write_text(buffer.getvalue(), encoding="utf-8")
    return dictionary, records


def import_redcap(
    dictionary: Path,
    records: Path,
    *,
    actor: Any = SYSTEM,
    commit: bool = True,
    mapping: ImportMapping | None = None,
) -> ImportResult:
    rows, problems = read_redcap(dictionary, records, mapping or ImportMapping())
    return import_rows(rows, system="redcap", actor=actor, commit=commit, read_problems=problems)


def read_csv_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_csv_rows(
    path: Path, header: list[str], rows: list[dict[str, str]], encoding: str = "utf-8"
) -> None:
    import csv

    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, header, restval="")
        writer.writeheader()
        writer.writerows(rows)


def stored_counts() -> dict[str, int]:
    """How many patients, records, audit rows and remembered imports the registry holds."""
    counts = {model.__name__: model.objects.count() for model in PATIENT_RECORD_MODELS}
    counts["Patient"] = Patient.objects.count()
    counts["AuditRecord"] = AuditRecord.objects.count()
    counts["ImportedRecord"] = ImportedRecord.objects.count()
    return counts
