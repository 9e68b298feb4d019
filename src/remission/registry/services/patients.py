"""Registering patients, their consent and their (restricted) hospital identifiers."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from remission.registry.access import scope_for
from remission.registry.codes import AuditAction, ConsentStatus
from remission.registry.errors import NotFound, PermissionDenied, ValidationFailed
from remission.registry.models import Centre, HospitalIdentifier, Patient
from remission.registry.services.audit import audit_write
from remission.registry.services.records import NOT_FOUND, record_create, record_update
from remission.registry.validation import record_problems

# Crockford's base 32 without the letters that read like digits: pseudonyms people can read aloud.
REGISTRY_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REGISTRY_ID_LENGTH = 8
IDENTIFIERS_RESTRICTED = gettext_noop("hospital identifiers are kept for the patient's own centre staff only")


def registry_id_new() -> str:
    """A fresh random pseudonym such as ``R7KQ2M4XA`` (R + 8 characters, 40 bits)."""
    while True:
        candidate = "R" + "".join(secrets.choice(REGISTRY_ID_ALPHABET) for _ in range(REGISTRY_ID_LENGTH))
        if not Patient.objects.filter(registry_id=candidate).exists():
            return candidate


def patient_register(
    *,
    actor: Any,
    centre: Centre,
    sex: str,
    birth_year: int,
    birth_month: int,
    consent_status: str = ConsentStatus.GIVEN,
    consent_version: str = "",
    consent_date: dt.date | None = None,
    registry_id: str | None = None,
    reason: str = "",
) -> Patient:
    """Register a patient at ``centre`` under a new pseudonym (or ``registry_id`` for imports)."""
    values = {
        "sex": sex,
        "birth_year": birth_year,
        "birth_month": birth_month,
        "consent_status": consent_status,
        "consent_version": consent_version,
        "consent_date": consent_date,
    }
    return record_create(
        Patient,
        actor=actor,
        values=values,
        reason=reason,
        centre=centre,
        registry_id=registry_id or registry_id_new(),
    )


def patient_update(
    *, actor: Any, patient: Patient, version: int, reason: str = "", **changes: Any
) -> Patient:
    """Change a patient's demographics or consent (edits from a stale copy are refused)."""
    return record_update(patient, actor=actor, version=version, changes=changes, reason=reason)


def patient_consent_withdraw(
    *, actor: Any, patient: Patient, version: int, withdrawn_on: dt.date, reason: str = ""
) -> Patient:
    """Record that the patient withdrew consent on ``withdrawn_on``."""
    changes = {"consent_status": ConsentStatus.WITHDRAWN, "consent_withdrawn_date": withdrawn_on}
    return record_update(patient, actor=actor, version=version, changes=changes, reason=reason)


def hospital_identifier_add(
    *, actor: Any, patient: Patient, system: str, value: str, reason: str = ""
) -> HospitalIdentifier:
    """Keep a hospital number for the patient's own centre. Only its data managers and clinicians may."""
    scope = scope_for(actor)
    if not scope.can_read(patient.centre_id):
        raise NotFound(gettext(NOT_FOUND).format(record=f"Patient {patient.registry_id}"))
    if not scope.can_see_identifiers(patient.centre_id):
        raise PermissionDenied(gettext(IDENTIFIERS_RESTRICTED))
    with transaction.atomic():
        identifier = HospitalIdentifier(patient=patient, system=system, value=value)
        problems = record_problems(identifier, None)
        if problems:
            raise ValidationFailed(problems)
        identifier.save()
        audit_write(
            actor=actor,
            action=AuditAction.CREATE,
            record=identifier,
            centre_id=patient.centre_id,
            patient_id=patient.pk,
            before=None,
            after={"system": system, "value": "(restricted)"},
            reason=reason,
        )
    return identifier
