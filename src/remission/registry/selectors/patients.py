"""Reading patients."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from remission.registry.access import scope_for
from remission.registry.codes import AuditAction
from remission.registry.errors import NotFound
from remission.registry.models import HospitalIdentifier, Patient
from remission.registry.selectors.scoping import get_or_not_found, readable_patients
from remission.registry.services.audit import audit_write


def patient_list(
    *,
    user: Any,
    centre_id: int | None = None,
    disease: str | None = None,
    search: str | None = None,
    infusion_year: int | None = None,
) -> QuerySet[Patient]:
    """The patients ``user`` may read, filtered; ``search`` matches the start of the registry ID."""
    patients = readable_patients(user).select_related("centre")
    if centre_id is not None:
        patients = patients.filter(centre_id=centre_id)
    if disease:
        patients = patients.filter(diagnoses__disease=disease, diagnoses__is_primary=True)
    if search:
        patients = patients.filter(Q(registry_id__istartswith=search.strip()))
    if infusion_year is not None:
        patients = patients.filter(infusions__date__year=infusion_year).distinct()
    return patients.order_by("registry_id")


def patient_get(*, user: Any, registry_id: str) -> Patient:
    """One patient by registry ID; NotFound if it does not exist or is another centre's."""
    return get_or_not_found(
        readable_patients(user).select_related("centre"), "Patient", registry_id=registry_id
    )


def patient_get_by_pk(*, user: Any, pk: int) -> Patient:
    return get_or_not_found(readable_patients(user).select_related("centre"), "Patient", pk=pk)


def hospital_identifier_list(*, user: Any, patient: Patient) -> QuerySet[HospitalIdentifier]:
    """The patient's hospital numbers, for the patient's own centre staff only; each look is audited."""
    scope = scope_for(user)
    if not scope.can_see_identifiers(patient.centre_id):
        raise NotFound(f"hospital identifiers of patient {patient.registry_id} were not found")
    audit_write(
        actor=user,
        action=AuditAction.VIEW_IDENTIFIERS,
        record=patient,
        centre_id=patient.centre_id,
        patient_id=patient.pk,
        before=None,
        after=None,
        entity="registry.hospitalidentifier",
    )
    return HospitalIdentifier.objects.filter(patient=patient).order_by("system")
