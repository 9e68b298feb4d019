"""The services path: a synthetic patient written record by record through ``remission.registry.services``.

Every record is validated, centre-checked and audited by the service that writes it, exactly as if a
data manager had typed it in. Slower than :mod:`remission.synth.bulk` (one transaction and one audit row
per record), and used by the tests to show the two paths store the same registry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from remission.registry import services
from remission.registry.access import SYSTEM
from remission.registry.models import Centre, Patient
from remission.synth.generate import generate_patient
from remission.synth.plan import PatientPlan, Rec

_WRITERS: dict[str, Callable[..., Any]] = {
    "Diagnosis": services.diagnosis_record,
    "PriorTherapy": services.prior_therapy_record,
    "WorkUp": services.workup_record,
    "Assessment": services.assessment_record,
    "Mobilisation": services.mobilisation_record,
    "CellProduct": services.cell_product_record,
    "Infusion": services.infusion_record,
    "AdverseEvent": services.adverse_event_record,
    "LabResult": services.lab_result_record,
    "FollowUp": services.follow_up_record,
    "OutcomeEvent": services.outcome_event_record,
}
# Fields the services set themselves or do not take.
_DROP: dict[str, tuple[str, ...]] = {
    "Infusion": ("missing",),
    "LabResult": ("missing",),
    "OutcomeEvent": ("missing",),
}


def write_plan(plan: PatientPlan, *, centre: Centre, actor: Any = SYSTEM, reason: str = "") -> Patient:
    """Write one generated patient through the services; return the stored patient."""
    patient = services.patient_register(
        actor=actor, centre=centre, registry_id=plan.registry_id, reason=reason, **plan.patient
    )
    stored: dict[str, Any] = {}
    agents: dict[str, list[dict[str, Any]]] = {}
    for rec in plan.records:
        if rec.model == "ConditioningAgent":
            agents.setdefault(rec.refs["conditioning"], []).append(dict(rec.fields))
    for rec in plan.records:
        if rec.model == "ConditioningAgent":
            continue
        stored_rec = _write(rec, patient=patient, stored=stored, agents=agents, actor=actor, reason=reason)
        if rec.key:
            stored[rec.key] = stored_rec
    return patient


def _write(
    rec: Rec,
    *,
    patient: Patient,
    stored: dict[str, Any],
    agents: dict[str, list[dict[str, Any]]],
    actor: Any,
    reason: str,
) -> Any:
    fields = {k: v for k, v in rec.fields.items() if k not in _DROP.get(rec.model, ())}
    refs = {name: stored[key] for name, key in rec.refs.items()}
    if rec.model == "Conditioning":
        return services.conditioning_record(
            actor=actor, patient=patient, agents=agents.get(rec.key, []), reason=reason, **fields
        )
    if rec.model == "Engraftment":
        return services.engraftment_record(actor=actor, reason=reason, **refs, **fields)
    if rec.model == "WorkUp":
        return services.workup_record(actor=actor, patient=patient, reason=reason, **fields)
    return _WRITERS[rec.model](actor=actor, patient=patient, reason=reason, **refs, **fields)


def services_load(
    *,
    seed: int,
    count: int,
    start: int = 0,
    centres: dict[str, Centre],
    actor: Any = SYSTEM,
    id_prefix: str | None = None,
    reason: str = "",
    progress: Callable[[int], None] | None = None,
) -> int:
    """Generate and write patients ``start`` … ``start + count − 1`` through the services."""
    for index in range(start, start + count):
        plan = generate_patient(seed, index, id_prefix=id_prefix)
        write_plan(plan, centre=centres[plan.centre], actor=actor, reason=reason)
        if progress is not None:
            progress(1)
    return count
