"""The registry's bookkeeping read in bulk for completeness: each patient's day 0 (first infusion), the
follow-up forms (time points), the queries not closed, and how often each field of each record table is
empty or marked missing — for the centres the reading user may read, in a fixed number of queries
(never one per patient or per centre).

A centre's users read their own centre's; registry roles every centre's. Nothing read here names a
patient: the rows carry primary keys and centre ids only, so the registry roles' view stays pseudonymised.

Clark's completeness index needs each patient's last contact, which endpoint derivation defines
(``remission.analysis.endpoints``, rule 1); the analysis layer computes it
(``remission.analysis.quality_completeness``) and joins it to what is read here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.apps import apps
from django.db import models
from django.db.models import Count, Min, Q, QuerySet

from remission.registry.codes import AdverseEventCategory, OutcomeType, QueryStatus
from remission.registry.columns import read_columns
from remission.registry.models import Infusion
from remission.registry.models.base import PatientRecord
from remission.registry.selectors.queries import readable_queries
from remission.registry.selectors.scoping import readable_centres, readable_records
from remission.registry.selectors.worklist import readable_time_points


@dataclass(frozen=True)
class Centres:
    """The centres the user reads: primary keys, codes and names, in code order."""

    ids: tuple[int, ...]
    codes: tuple[str, ...]
    names: tuple[str, ...]


@dataclass(frozen=True)
class Patients:
    """Each readable patient with an infusion: primary key, centre id and day 0 (first infusion date)."""

    patient_id: np.ndarray  # int64
    centre_id: np.ndarray  # int64
    day0: np.ndarray  # datetime64[D]


@dataclass(frozen=True)
class TimePoints:
    """Every readable time point: centre, patient, window end, received date (NaT), not required."""

    centre_id: np.ndarray
    patient_id: np.ndarray
    window_end: np.ndarray
    received: np.ndarray
    not_required: np.ndarray  # bool


@dataclass(frozen=True)
class OpenQueryRows:
    """Every readable query not closed: centre, patient (for its day 0) and the date it was raised."""

    centre_id: np.ndarray
    patient_id: np.ndarray
    raised: np.ndarray


@dataclass(frozen=True, slots=True)
class FieldGap:
    """How often one field of one record table is empty, and how often a missing-value reason says why."""

    centre_id: int
    entity: str  # model label, e.g. 'registry.followup'
    table: str  # verbose name, e.g. 'follow-up'
    field: str
    field_label: str
    rows: int  # records of the table (that may hold the field: ``APPLIES_TO``)
    empty: int  # records where the field holds no value (None or '')
    with_reason: int  # records whose ``missing`` gives a reason for the field


# fields that may hold a value only in some records (the database's check constraints say so): counted
# over those records only, so that a cause of death is not "missing" from every relapse
APPLIES_TO = {
    ("registry.outcomeevent", "cause_of_death"): Q(event_type=OutcomeType.DEATH),
    ("registry.adverseevent", "organism"): Q(category=AdverseEventCategory.INFECTION),
}


def centres(*, user: Any) -> Centres:
    rows = list(readable_centres(user).order_by("code").values_list("pk", "code", "name"))
    return Centres(tuple(r[0] for r in rows), tuple(r[1] for r in rows), tuple(r[2] for r in rows))


def first_infusions(*, user: Any) -> Patients:
    """Day 0 of every readable patient who has an infusion (the earliest infusion date): one query."""
    rows = (
        readable_records(Infusion, user)
        .order_by()
        .values("patient_id")
        .annotate(day0=Min("date"), centre_pk=Min("patient__centre_id"))
        .order_by("patient_id")
    )
    found = read_columns(rows, {"patient_id": "int", "centre_pk": "int", "day0": "date"})
    return Patients(found["patient_id"], found["centre_pk"], found["day0"])


def time_points(*, user: Any) -> TimePoints:
    """Every time point of the centres ``user`` reads: one query."""
    rows = readable_time_points(user).order_by()
    found = read_columns(
        rows,
        {
            "centre_id": "int",
            "patient_id": "int",
            "window_end": "date",
            "received_date": "date",
            "not_required_reason": "text",
        },
    )
    reasons = found["not_required_reason"]
    waived = np.fromiter((bool(r) for r in reasons), dtype=bool, count=len(reasons))
    return TimePoints(
        found["centre_id"], found["patient_id"], found["window_end"], found["received_date"], waived
    )


def open_query_rows(*, user: Any) -> OpenQueryRows:
    """Every query not closed of the centres ``user`` reads, with the date raised: one query."""
    rows = readable_queries(user).exclude(status=QueryStatus.CLOSED).order_by()
    found = read_columns(rows, {"centre_id": "int", "patient_id": "int", "raised_at__date": "date"})
    return OpenQueryRows(found["centre_id"], found["patient_id"], found["raised_at__date"])


def record_models() -> list[type[PatientRecord]]:
    """The registry's patient record tables (every table with a ``missing`` field), in a fixed order."""
    found = [m for m in apps.get_app_config("registry").get_models() if issubclass(m, PatientRecord)]
    return sorted(found, key=lambda m: m._meta.label_lower)


def can_be_empty(model: type[models.Model]) -> list[models.Field]:
    """Fields a person sets (``EDITABLE_FIELDS``) that may be left empty (NULL, or blank text): the ones
    that can be *missing*. JSON fields are left out (an empty item list is a value of its own)."""
    fields = []
    for name in getattr(model, "EDITABLE_FIELDS", ()):
        if name == "missing":
            continue
        field = model._meta.get_field(name)
        if isinstance(field, models.JSONField) or not (field.null or field.blank):
            continue
        fields.append(field)
    return fields


def _empty(field: models.Field) -> Q:
    name = field.attname
    condition = Q(**{f"{name}__isnull": True})
    if not field.is_relation and isinstance(field, models.CharField | models.TextField):
        condition |= Q(**{name: ""})
    return condition


def infused_between(*, user: Any, first: dt.date | None, last: dt.date | None) -> QuerySet:
    """The readable patients whose day 0 (first infusion) is between ``first`` and ``last`` (inclusive;
    None: open), as a subquery of patient ids."""
    rows = readable_records(Infusion, user).order_by().values("patient_id").annotate(day0=Min("date"))
    if first is not None:
        rows = rows.filter(day0__gte=first)
    if last is not None:
        rows = rows.filter(day0__lte=last)
    return rows.values("patient_id")


def field_gaps(*, user: Any, first: dt.date | None = None, last: dt.date | None = None) -> list[FieldGap]:
    """Per centre and per field that can be empty: records, empty values and missing-value reasons, over
    every record table: one grouped query per table. ``first``/``last`` narrow to the patients whose day
    0 lies between them (both None: every readable patient's records, infused or not)."""
    wanted = None if first is None and last is None else infused_between(user=user, first=first, last=last)
    gaps: list[FieldGap] = []
    for model in record_models():
        fields = can_be_empty(model)
        if not fields:
            continue
        rows = readable_records(model, user)
        if wanted is not None:
            rows = rows.filter(patient_id__in=wanted)
        entity = model._meta.label_lower
        counts: dict[str, Any] = {}
        for i, field in enumerate(fields):
            applies = APPLIES_TO.get((entity, field.name), Q())
            counts[f"n{i}"] = Count("pk", filter=applies)
            counts[f"e{i}"] = Count("pk", filter=applies & _empty(field))
            counts[f"r{i}"] = Count("pk", filter=applies & Q(missing__has_key=field.name))
        grouped = rows.order_by().values("patient__centre_id").annotate(**counts)
        table = str(model._meta.verbose_name)
        for row in grouped:
            for i, field in enumerate(fields):
                gaps.append(
                    FieldGap(
                        centre_id=row["patient__centre_id"],
                        entity=entity,
                        table=table,
                        field=field.name,
                        field_label=str(field.verbose_name),
                        rows=row[f"n{i}"],
                        empty=row[f"e{i}"],
                        with_reason=row[f"r{i}"],
                    )
                )
    return gaps
