"""Recording what happens after day 0: adverse events, laboratory results, follow-up, outcome events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from remission.registry.codes import DiseaseStatus, GradingSystem, Relatedness
from remission.registry.models import AdverseEvent, FollowUp, Infusion, LabResult, OutcomeEvent, Patient
from remission.registry.services.records import record_create


def adverse_event_record(
    *,
    actor: Any,
    patient: Patient,
    term: str,
    category: str,
    onset_date: dt.date,
    grade: int | None,
    grading_system: str = GradingSystem.CTCAE_V5,
    resolution_date: dt.date | None = None,
    organism: str = "",
    relatedness: str = Relatedness.UNKNOWN,
    infusion: Infusion | None = None,
    missing: Mapping[str, str] | None = None,
    reason: str = "",
) -> AdverseEvent:
    """Record a complication: CTCAE v5 grade, or ASTCT grade for CRS and ICANS; organism for infections."""
    values = {
        "infusion": infusion,
        "term": term,
        "category": category,
        "grading_system": grading_system,
        "grade": grade,
        "onset_date": onset_date,
        "resolution_date": resolution_date,
        "organism": organism,
        "relatedness": relatedness,
        "missing": dict(missing or {}),
    }
    return record_create(AdverseEvent, actor=actor, values=values, reason=reason, patient=patient)


def lab_result_record(
    *,
    actor: Any,
    patient: Patient,
    date: dt.date,
    analyte: str,
    value: float,
    unit: str,
    missing: Mapping[str, str] | None = None,
    reason: str = "",
) -> LabResult:
    """Record an immune-reconstitution laboratory value (the unit must be one known for the analyte)."""
    values = {"date": date, "analyte": analyte, "value": value, "unit": unit, "missing": dict(missing or {})}
    return record_create(LabResult, actor=actor, values=values, reason=reason, patient=patient)


def follow_up_record(
    *,
    actor: Any,
    patient: Patient,
    date: dt.date,
    vital_status: str,
    disease_status: str = DiseaseStatus.UNKNOWN,
    current_therapy: str = "",
    missing: Mapping[str, str] | None = None,
    reason: str = "",
) -> FollowUp:
    """Record a follow-up contact: the date last seen, vital status and disease status."""
    values = {
        "date": date,
        "vital_status": vital_status,
        "disease_status": disease_status,
        "current_therapy": current_therapy,
        "missing": dict(missing or {}),
    }
    return record_create(FollowUp, actor=actor, values=values, reason=reason, patient=patient)


def outcome_event_record(
    *,
    actor: Any,
    patient: Patient,
    event_type: str,
    date: dt.date,
    cause_of_death: str = "",
    detail: str = "",
    missing: Mapping[str, str] | None = None,
    reason: str = "",
) -> OutcomeEvent:
    """Record an outcome: death (with its cause), relapse, progression, response, secondary disease."""
    values = {
        "event_type": event_type,
        "date": date,
        "cause_of_death": cause_of_death,
        "detail": detail,
        "missing": dict(missing or {}),
    }
    return record_create(OutcomeEvent, actor=actor, values=values, reason=reason, patient=patient)
