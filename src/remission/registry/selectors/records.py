"""Reading a patient's records, one selector per kind of record."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from remission.registry.models import (
    AdverseEvent,
    Assessment,
    CellProduct,
    Conditioning,
    ConditioningAgent,
    Diagnosis,
    Engraftment,
    FollowUp,
    Infusion,
    LabResult,
    Mobilisation,
    OutcomeEvent,
    Patient,
    PriorTherapy,
    WorkUp,
)
from remission.registry.selectors.scoping import get_or_not_found, readable_records


def _of(rows: QuerySet, patient: Patient | None) -> QuerySet:
    return rows if patient is None else rows.filter(patient_id=patient.pk)


def diagnosis_list(*, user: Any, patient: Patient | None = None) -> QuerySet[Diagnosis]:
    return _of(readable_records(Diagnosis, user), patient).order_by("patient_id", "-is_primary", "id")


def prior_therapy_list(*, user: Any, patient: Patient | None = None) -> QuerySet[PriorTherapy]:
    return _of(readable_records(PriorTherapy, user), patient).order_by("patient_id", "start_date", "id")


def assessment_list(
    *, user: Any, patient: Patient | None = None, instrument: str | None = None
) -> QuerySet[Assessment]:
    rows = _of(readable_records(Assessment, user), patient)
    if instrument:
        rows = rows.filter(instrument=instrument)
    return rows.order_by("patient_id", "date", "id")


def assessment_get(*, user: Any, pk: int) -> Assessment:
    return get_or_not_found(readable_records(Assessment, user).select_related("patient"), "Assessment", pk=pk)


def workup_list(*, user: Any, patient: Patient | None = None) -> QuerySet[WorkUp]:
    return _of(readable_records(WorkUp, user), patient).order_by("patient_id", "date", "id")


def mobilisation_list(*, user: Any, patient: Patient | None = None) -> QuerySet[Mobilisation]:
    return _of(readable_records(Mobilisation, user), patient).order_by("patient_id", "date", "id")


def cell_product_list(*, user: Any, patient: Patient | None = None) -> QuerySet[CellProduct]:
    return _of(readable_records(CellProduct, user), patient).order_by("patient_id", "id")


def conditioning_list(*, user: Any, patient: Patient | None = None) -> QuerySet[Conditioning]:
    rows = readable_records(Conditioning, user).prefetch_related("agents")
    return _of(rows, patient).order_by("patient_id", "start_date", "id")


def conditioning_agent_list(*, user: Any, patient: Patient | None = None) -> QuerySet[ConditioningAgent]:
    """The agents of the patient's conditionings, each conditioning's in the order they were entered."""
    rows = readable_records(ConditioningAgent, user).select_related("patient")
    return _of(rows, patient).order_by("patient_id", "conditioning_id", "id")


def infusion_list(*, user: Any, patient: Patient | None = None) -> QuerySet[Infusion]:
    rows = readable_records(Infusion, user).select_related("product", "conditioning")
    return _of(rows, patient).order_by("patient_id", "sequence")


def infusion_get(*, user: Any, pk: int) -> Infusion:
    return get_or_not_found(readable_records(Infusion, user).select_related("patient"), "Infusion", pk=pk)


def engraftment_list(*, user: Any, patient: Patient | None = None) -> QuerySet[Engraftment]:
    return _of(readable_records(Engraftment, user), patient).order_by("patient_id", "infusion_id")


def adverse_event_list(*, user: Any, patient: Patient | None = None) -> QuerySet[AdverseEvent]:
    return _of(readable_records(AdverseEvent, user), patient).order_by("patient_id", "onset_date", "id")


def lab_result_list(
    *, user: Any, patient: Patient | None = None, analyte: str | None = None
) -> QuerySet[LabResult]:
    rows = _of(readable_records(LabResult, user), patient)
    if analyte:
        rows = rows.filter(analyte=analyte)
    return rows.order_by("patient_id", "date", "id")


def follow_up_list(*, user: Any, patient: Patient | None = None) -> QuerySet[FollowUp]:
    return _of(readable_records(FollowUp, user), patient).order_by("patient_id", "date", "id")


def outcome_event_list(*, user: Any, patient: Patient | None = None) -> QuerySet[OutcomeEvent]:
    return _of(readable_records(OutcomeEvent, user), patient).order_by("patient_id", "date", "id")
