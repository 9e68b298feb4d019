"""Shared helpers for the synthetic-registry tests."""

from __future__ import annotations

from remission.registry.models import AuditRecord, Patient
from remission.synth.plan import MODEL_ORDER
from remission.synth.records import MODELS
from tests.audit_support import erase_audit_rows


def wipe_patients() -> None:
    """Delete every patient and its records and audit rows (centres stay), children first."""
    erase_audit_rows(AuditRecord.objects.filter(patient__isnull=False))
    for name in reversed(MODEL_ORDER):
        MODELS[name].objects.all().delete()
    Patient.objects.all().delete()
