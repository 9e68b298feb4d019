"""FHIR export in the reader's scope: one Bundle per patient, every export audited.

``fhir_bundle`` gives one patient's Bundle (the API's ``GET /api/patients/{id}/fhir``);
``fhir_export`` writes one file per patient (``<registry id>.json``) into a folder (``remission fhir
export``). Both read through the registry's selectors, so a centre user gets only their centre's
patients and another centre's patient is "not found"; both leave one audit row (action ``export``, by
``registry.services.exports.export_audit``) per bundle handed out, with the scope, the filter, the
resource counts and the bundle's SHA-256.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from remission.interop.extract import scope_words
from remission.interop.fhir.bundle import bundle_bytes, patient_bundle
from remission.interop.fhir.shapes import SHAPES
from remission.registry import selectors
from remission.registry.kinds import KINDS
from remission.registry.models import ConditioningAgent, Patient
from remission.registry.selectors.scoping import readable_records
from remission.registry.services.exports import export_audit

FORMAT = "fhir-r4-4.0.1"
AUDIT_ENTITY = "interop.fhir_bundle"


@dataclass(frozen=True)
class FhirExport:
    """What one export wrote."""

    folder: Path
    files: tuple[Path, ...]
    patients: int
    resources: int
    sha256: Mapping[str, str]


def _records(user: Any, patient: Patient) -> dict[str, list[Any]]:
    records: dict[str, list[Any]] = {}
    for kind in SHAPES:
        if kind == "patient":
            continue
        if kind == "conditioning-agent":
            rows = readable_records(ConditioningAgent, user).filter(patient_id=patient.pk).order_by("id")
            records[kind] = list(rows.select_related("conditioning"))
        else:
            records[kind] = list(KINDS[kind].list_selector(user=user, patient=patient))
    return records


def bundle_of(*, user: Any, patient: Patient) -> dict[str, Any]:
    """The Bundle of one patient the user may read (no audit: callers audit what they hand out)."""
    return patient_bundle(patient, _records(user, patient))


def _audit(
    *,
    actor: Any,
    scope: str,
    patient: Patient,
    bundle: Mapping[str, Any],
    data: bytes,
    one: bool,
    reason: str,
) -> None:
    """One audit row per bundle handed out, so that any file found later can be matched to its export."""
    counts = Counter(entry["resource"]["resourceType"] for entry in bundle.get("entry", []))
    export_audit(
        actor=actor,
        entity=AUDIT_ENTITY,
        file_format=FORMAT,
        file_name=f"{patient.registry_id}.json",
        sha256=hashlib.sha256(data).hexdigest(),
        scope=scope,
        filters={"patient": patient.registry_id if one else None},
        row_counts=dict(sorted(counts.items())),
        centre_id=patient.centre_id,
        reason=reason,
    )


def fhir_bundle(*, user: Any, registry_id: str, reason: str = "API") -> dict[str, Any]:
    """One patient's Bundle; NotFound for another centre's patient. Audited as an export."""
    patient = selectors.patient_get(user=user, registry_id=registry_id)
    bundle = bundle_of(user=user, patient=patient)
    data = bundle_bytes(bundle)
    _audit(
        actor=user,
        scope=scope_words(user),
        patient=patient,
        bundle=bundle,
        data=data,
        one=True,
        reason=reason,
    )
    return bundle


def fhir_export(*, actor: Any, folder: Path, registry_id: str | None = None, reason: str = "") -> FhirExport:
    """Write ``<registry id>.json`` for each patient ``actor`` may read (or the one ``registry_id``)."""
    if registry_id is not None:
        patients = [selectors.patient_get(user=actor, registry_id=registry_id)]
    else:
        patients = list(selectors.patient_list(user=actor))
    folder.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    sha256: dict[str, str] = {}
    resources = 0
    scope = scope_words(actor)
    with transaction.atomic():  # the audit rows of one export land together
        for patient in patients:
            bundle = bundle_of(user=actor, patient=patient)
            data = bundle_bytes(bundle)
            path = folder / f"{patient.registry_id}.json"
            path.write_bytes(data)
            files.append(path)
            sha256[path.name] = hashlib.sha256(data).hexdigest()
            resources += len(bundle.get("entry", []))
            _audit(
                actor=actor,
                scope=scope,
                patient=patient,
                bundle=bundle,
                data=data,
                one=registry_id is not None,
                reason=reason or f"FHIR export to {folder}",
            )
    return FhirExport(
        folder=folder, files=tuple(files), patients=len(patients), resources=resources, sha256=sha256
    )
