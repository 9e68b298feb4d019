"""Evaluate the data-quality rules over the registry, one centre, or some patients, in bulk.

:func:`read_tables` reads each table the rules need once, as columns (``registry.columns.read_columns``:
``COPY`` on PostgreSQL, ``values_list`` elsewhere) — eight queries whatever the number of patients;
:func:`evaluate` runs every rule's vectorised check over them and returns immutable findings
(:class:`~remission.registry.findings.Finding`, the registry's one kind), each with the time point its day
falls in when time points exist (one more query).

This module reads; it writes nothing. ``services.quality_run`` turns findings into queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType

import pandas as pd
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from remission.registry.codes import Analyte, ConsentStatus, OutcomeType
from remission.registry.columns import Kind, read_columns
from remission.registry.findings import Finding
from remission.registry.models import (
    Assessment,
    Diagnosis,
    Engraftment,
    FollowUp,
    Infusion,
    LabResult,
    OutcomeEvent,
    Patient,
    TimePoint,
)
from remission.registry.quality.rules import Hit, Rule, Tables, settings_rules

Progress = Callable[[str], None]
NAME_PATIENTS_BELOW = 2000  # time points of fewer patients are read by naming them, more by the scope


@dataclass(frozen=True)
class Evaluation:
    """The findings of one evaluation, and how many each rule found (every rule run, zeros included)."""

    findings: tuple[Finding, ...]
    counts: Mapping[str, int]
    patients: int


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _scoped(rows: QuerySet, centre_id: int | None, patient_ids: Collection[int] | None) -> QuerySet:
    if centre_id is not None:  # a time point holds its centre; a record reaches it through its patient
        own = rows.model in (Patient, TimePoint)
        rows = rows.filter(**{"centre_id" if own else "patient__centre_id": centre_id})
    if patient_ids is not None:
        rows = rows.filter(**{("pk__in" if rows.model is Patient else "patient_id__in"): list(patient_ids)})
    return rows


def _frame(
    rows: QuerySet, fields: Mapping[str, Kind], names: Mapping[str, str] | None = None
) -> pd.DataFrame:
    columns = read_columns(rows, fields)
    return pd.DataFrame({(names or {}).get(name, name): values for name, values in columns.items()})


def read_tables(*, centre_id: int | None = None, patient_ids: Collection[int] | None = None) -> Tables:
    """The rows the rules read, of every patient, or one centre's, or those of ``patient_ids``."""

    def scoped(rows: QuerySet) -> QuerySet:
        return _scoped(rows, centre_id, patient_ids)

    patients = scoped(Patient.objects.annotate(withdrawn=_flag(Q(consent_status=ConsentStatus.WITHDRAWN))))
    return Tables(
        patients=_frame(patients, {"id": "int", "centre_id": "int", "withdrawn": "int"}),
        diagnoses=_frame(
            scoped(Diagnosis.objects.filter(is_primary=True)), {"patient_id": "int", "disease": "text"}
        ),
        infusions=_frame(
            scoped(Infusion.objects.all()),
            {"id": "int", "patient_id": "int", "date": "date", "product__product_type": "text"},
            {"product__product_type": "product_type"},
        ),
        engraftments=_frame(
            scoped(
                Engraftment.objects.annotate(
                    failed=_flag(Q(graft_failure=True)),
                    neutrophil_reason=_flag(Q(missing__has_key="neutrophil_date")),
                )
            ),
            {
                "id": "int",
                "patient_id": "int",
                "infusion_id": "int",
                "neutrophil_date": "date",
                "failed": "int",
                "neutrophil_reason": "int",
            },
            {"failed": "graft_failure"},
        ),
        edss=_frame(
            scoped(Assessment.objects.filter(instrument="edss")), {"patient_id": "int", "date": "date"}
        ),
        cd4=_frame(
            scoped(LabResult.objects.filter(analyte=Analyte.CD4)), {"patient_id": "int", "date": "date"}
        ),
        follow_ups=_frame(
            scoped(
                FollowUp.objects.annotate(
                    therapy_not_given=_flag(Q(current_therapy="") & ~Q(missing__has_key="current_therapy"))
                )
            ),
            {
                "id": "int",
                "patient_id": "int",
                "date": "date",
                "vital_status": "text",
                "disease_status": "text",
                "therapy_not_given": "int",
            },
        ),
        deaths=_frame(
            scoped(OutcomeEvent.objects.filter(event_type=OutcomeType.DEATH)),
            {"id": "int", "patient_id": "int", "date": "date", "cause_of_death": "text"},
        ),
    )


def evaluate(
    *,
    centre_id: int | None = None,
    patient_ids: Collection[int] | None = None,
    today: dt.date | None = None,
    rules: Sequence[Rule] | None = None,
    progress: Progress | None = None,
    time_points: bool = True,
) -> Evaluation:
    """Every rule (default: as the settings configure them) over the patients in scope, on ``today``;
    with ``time_points``, each finding names the time point its day falls in (:func:`with_time_points`)."""
    today = today or dt.date.today()
    rules = settings_rules() if rules is None else tuple(rules)
    tables = read_tables(centre_id=centre_id, patient_ids=patient_ids)
    if progress:
        progress("read the registry")
    centre_of = dict(zip(tables.patients["id"].tolist(), tables.patients["centre_id"].tolist(), strict=True))
    findings: list[Finding] = []
    counts: dict[str, int] = {}
    for rule in rules:
        hits = [hit for hit in rule.evaluate(tables, today) if hit.patient_id in centre_of]
        counts[rule.id] = len(hits)
        findings.extend(_finding(rule, hit, centre_of[hit.patient_id]) for hit in hits)
        if progress:
            progress(rule.id)
    return Evaluation(
        findings=tuple(
            with_time_points(findings, centre_id=centre_id, patient_ids=patient_ids)
            if time_points
            else findings
        ),
        counts=MappingProxyType(counts),
        patients=len(centre_of),
    )


def _finding(rule: Rule, hit: Hit, centre_id: int) -> Finding:
    return Finding(
        rule=rule.id,
        severity=rule.severity,
        patient_id=hit.patient_id,
        centre_id=centre_id,
        entity=rule.entity,
        record_id=hit.record_id,
        field=hit.field,
        message=hit.message,
        day=hit.day,
    )


def with_time_points(
    findings: Sequence[Finding],
    *,
    centre_id: int | None = None,
    patient_ids: Collection[int] | None = None,
) -> list[Finding]:
    """Each finding with the patient's time point whose window holds its day (the latest due first), when
    the patient has time points: the time points in scope read once, as columns."""
    dated = [(position, f) for position, f in enumerate(findings) if f.day is not None]
    if not dated:
        return list(findings)
    if patient_ids is None and len({f.patient_id for _, f in dated}) <= NAME_PATIENTS_BELOW:
        patient_ids = sorted({f.patient_id for _, f in dated})  # few: name them
    points = _frame(
        _scoped(TimePoint.objects.all(), centre_id, patient_ids),
        {"id": "int", "patient_id": "int", "window_start": "date", "window_end": "date", "due_date": "date"},
        {"id": "time_point_id"},
    )
    if points.empty:
        return list(findings)
    wanted = pd.DataFrame(
        {
            "position": [position for position, _ in dated],
            "patient_id": [f.patient_id for _, f in dated],
            "day": pd.to_datetime([f.day for _, f in dated]).astype(points["due_date"].dtype),
        }
    )
    pairs = wanted.merge(points[points["patient_id"].isin(wanted["patient_id"])], on="patient_id")
    pairs = pairs[(pairs["window_start"] <= pairs["day"]) & (pairs["day"] <= pairs["window_end"])]
    chosen = pairs.sort_values("due_date", kind="stable").drop_duplicates("position", keep="last")
    point_of = dict(zip(chosen["position"].tolist(), chosen["time_point_id"].tolist(), strict=True))
    return [
        replace(f, time_point_id=int(point_of[position])) if position in point_of else f
        for position, f in enumerate(findings)
    ]
