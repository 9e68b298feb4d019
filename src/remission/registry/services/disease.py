"""Recording the disease: diagnosis, prior therapy, assessments over time, work-up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from remission.registry import catalogue
from remission.registry.codes import Timepoint
from remission.registry.models import Assessment, Diagnosis, Patient, PriorTherapy, WorkUp
from remission.registry.services.records import record_create


def diagnosis_record(
    *,
    actor: Any,
    patient: Patient,
    disease: str,
    diagnosis_date: dt.date | None,
    first_symptom_date: dt.date | None = None,
    subtype: str = "",
    icd10: str = "",
    is_primary: bool = True,
    missing: Mapping[str, str] | None = None,
    reason: str = "",
) -> Diagnosis:
    """Record the autoimmune diagnosis (``disease`` is a code of the clinical catalogue)."""
    values = {
        "disease": disease,
        "subtype": subtype,
        "icd10": icd10,
        "first_symptom_date": first_symptom_date,
        "diagnosis_date": diagnosis_date,
        "is_primary": is_primary,
        "missing": dict(missing or {}),
    }
    return record_create(Diagnosis, actor=actor, values=values, reason=reason, patient=patient)


def prior_therapy_record(
    *,
    actor: Any,
    patient: Patient,
    agent: str,
    start_date: dt.date | None,
    stop_date: dt.date | None = None,
    stop_reason: str = "",
    agent_class: str = "",
    missing: Mapping[str, str] | None = None,
    reason: str = "",
) -> PriorTherapy:
    """Record one line of therapy before cell therapy."""
    values = {
        "agent": agent,
        "agent_class": agent_class,
        "start_date": start_date,
        "stop_date": stop_date,
        "stop_reason": stop_reason,
        "missing": dict(missing or {}),
    }
    return record_create(PriorTherapy, actor=actor, values=values, reason=reason, patient=patient)


def assessment_record(
    *,
    actor: Any,
    patient: Patient,
    date: dt.date,
    instrument: str,
    items: Mapping[str, Any] | None = None,
    score: float | None = None,
    timepoint: str = Timepoint.UNSCHEDULED,
    during_relapse: bool | None = None,
    missing: Mapping[str, str] | None = None,
    reason: str = "",
) -> Assessment:
    """Record a disease assessment. With complete items the score is computed by the clinical layer;
    a score entered alongside items must agree with them."""
    items = dict(items or {})
    known = catalogue.instrument(instrument)
    if score is None and known is not None and items and not known.validate(items):
        score = catalogue.compute_score(known, items)
    values = {
        "date": date,
        "instrument": instrument,
        "items": items,
        "score": score,
        "timepoint": timepoint,
        "during_relapse": during_relapse,
        "missing": dict(missing or {}),
    }
    return record_create(Assessment, actor=actor, values=values, reason=reason, patient=patient)


def workup_record(
    *, actor: Any, patient: Patient, date: dt.date, reason: str = "", **measurements: Any
) -> WorkUp:
    """Record the pre-transplant work-up; ``measurements`` are WorkUp fields (height_cm, lvef_pct, …)."""
    values = {"date": date, **measurements}
    return record_create(WorkUp, actor=actor, values=values, reason=reason, patient=patient)
