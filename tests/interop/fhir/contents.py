"""A registry's records as plain values, to compare two registries field by field."""

from __future__ import annotations

from typing import Any

from django.db import models

from remission.registry.models import PATIENT_RECORD_MODELS, HospitalIdentifier, Patient

# Managed by the registry, not carried by any export: database ids, the edit counter, timestamps.
NOT_COMPARED = frozenset({"id", "version", "created_at", "updated_at", "patient"})


def _values(record: models.Model, *, follow: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in record._meta.concrete_fields:
        if field.name in NOT_COMPARED:
            continue
        value = getattr(record, field.name)
        if field.is_relation and value is not None:
            # the record pointed at, by its own values (database ids differ between the two registries);
            # one level deep is enough to tell a patient's records apart
            value = _values(value, follow=False) if follow else "a record"
        out[field.name] = value
    return out


def registry_contents() -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Every patient (by registry id) → model → its records' values, in a stable order."""
    contents: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for patient in Patient.objects.select_related("centre").order_by("registry_id"):
        entry: dict[str, list[dict[str, Any]]] = {"patient": [_values(patient)]}
        for model in PATIENT_RECORD_MODELS:
            rows = [_values(r) for r in model.objects.filter(patient=patient)]
            entry[model.__name__] = sorted(rows, key=repr)
        contents[patient.registry_id] = entry
    return contents


def empty_registry() -> None:
    """Remove every patient and record, keeping centres and accounts (the target registry)."""
    for model in reversed(PATIENT_RECORD_MODELS):
        model.objects.all().delete()
    HospitalIdentifier.objects.all().delete()
    Patient.objects.all().delete()
