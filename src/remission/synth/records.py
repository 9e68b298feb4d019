"""A :class:`~remission.synth.plan.PatientPlan` as unsaved registry rows, checked by the registry's rules.

:func:`patient_rows` builds the model instances of one patient (ids come from the caller, so the bulk
writer can insert parents and children in one pass) and, with ``validate=True``, runs
:func:`remission.registry.validation.record_problems` on every one of them with the patient's
:meth:`~remission.registry.validation.PatientContext.known` context — the same rules a service applies
before it writes. Each record is validated *before* it gets its id and before the patient has one, so the
rules run without reading the database: the unique constraints are checked among the patient's own
records (:func:`~remission.registry.validation.unique_problems_among`), never looked up among stored rows (a
check-only pass numbers parents with made-up ids that stored rows may hold). Its parents are already
numbered, so the rules that compare a record with its parents (engraftment after its infusion, collection
and conditioning before the infusion, same patient) do run. A record
planted to break a rule (``Rec.defect``, the demo's legacy data) is written unchecked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models

from remission.registry import models as registry_models
from remission.registry.errors import Problem
from remission.registry.validation import PatientContext, record_problems, unique_problems_among
from remission.synth.plan import MODEL_ORDER, PatientPlan

MODELS: dict[str, type[models.Model]] = {name: getattr(registry_models, name) for name in MODEL_ORDER}
INVALID_RECORD = "synthetic patient {registry_id} breaks the registry's rules: {problems}"


class SyntheticRecordInvalid(Exception):
    """The generator made a record the services would refuse (a bug in the generator or a new rule)."""

    def __init__(self, registry_id: str, problems: list[Problem]) -> None:
        self.problems = problems
        text = "; ".join(f"{p.record} {p.field}: {p.message} [{p.rule}]" for p in problems[:5])
        super().__init__(INVALID_RECORD.format(registry_id=registry_id, problems=text))


@dataclass
class PatientRows:
    patient: registry_models.Patient
    records: list[models.Model]  # in the order they must be inserted


def context_for(plan: PatientPlan, *, today: dt.date | None = None) -> PatientContext:
    """The patient's anchor dates, known without reading the database."""
    diagnosis = next((r.fields["diagnosis_date"] for r in plan.records if r.model == "Diagnosis"), None)
    infusions = {i: r.fields["date"] for i, r in enumerate(r for r in plan.records if r.model == "Infusion")}
    dead_by = min(
        (
            r.fields["date"]
            for r in plan.records
            if r.model == "FollowUp" and r.fields["vital_status"] == "dead"
        ),
        default=None,
    )
    return PatientContext.known(
        birth=plan.birth,
        death=plan.death,
        dead_by=dead_by,
        diagnosis=diagnosis,
        infusions=infusions,
        today=today,
    )


def patient_rows(
    plan: PatientPlan,
    *,
    centre_id: int,
    next_id: Callable[[str], int],
    validate: bool,
    today: dt.date | None = None,
) -> PatientRows:
    """Unsaved rows for ``plan`` with ids from ``next_id(model name)``; raise if a rule is broken."""
    patient = registry_models.Patient(registry_id=plan.registry_id, centre_id=centre_id, **plan.patient)
    problems: list[Problem] = []
    context = context_for(plan, today=today) if validate else None
    if validate:
        problems.extend(record_problems(patient, None))
    by_key: dict[str, models.Model] = {}
    rows: list[models.Model] = []
    for rec in plan.records:
        row = MODELS[rec.model](**rec.fields)
        row.patient = patient
        for field, key in rec.refs.items():
            setattr(row, field, by_key[key])
        if validate and not rec.defect:
            problems.extend(record_problems(row, context))
        row.pk = next_id(rec.model)
        if rec.key:
            by_key[rec.key] = row
        rows.append(row)
    if validate:
        problems.extend(
            unique_problems_among(r for r, rec in zip(rows, plan.records, strict=True) if not rec.defect)
        )
    if problems:
        raise SyntheticRecordInvalid(plan.registry_id, problems)
    patient.pk = next_id("Patient")
    for row in rows:
        row.patient = patient  # now with its id (parents were numbered before their children were built)
    return PatientRows(patient, rows)
