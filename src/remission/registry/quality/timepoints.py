"""Time points from the records: each infusion's expected follow-up forms, kept in step with the registry.

:func:`refresh` reads, for all patients or some, in chunks of patients and a handful of queries per chunk:

- the infusions (day 0, sequence) with their product's type and manipulation (the schedule:
  ``schedule.schedule_name``, settings ``REMISSION_FOLLOW_UP_SCHEDULES``);
- the follow-up contacts: **a FollowUp whose date lies inside a point's window is that point's form**
  (``received_date`` = the first such date). A FollowUp carries what the registries' follow-up forms
  report — vital status, disease status, current therapy — so it is the form; a lab result, an adverse
  event or an assessment alone is not;
- the death (OutcomeEvent of type death), the consent withdrawal (``Patient.consent_withdrawn_date``) and
  the patient's next infusion: points due after any of them are not required (``schedule.expected_points``);

and upserts :class:`~remission.registry.models.TimePoint` rows: new points are created, changed ones
updated (window, label, received date, automatic not-required reason, centre), points no longer expected
deleted. A person's work is kept: a waived point keeps its reason and ``waived_by``; a locked point keeps
``locked_at``/``locked_by`` and is never deleted here. Points of a deleted infusion go with it (cascade).

Nothing here is audited: the rows are derived bookkeeping, rebuilt from audited records. Run it for every
patient daily (``remission quality run`` does), since what is expected moves on with ``today``; the record
services run it for one patient after each write that can change it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from remission.registry.codes import GENE_MODIFIED_PRODUCTS, Manipulation, OutcomeType
from remission.registry.models import FollowUp, Infusion, OutcomeEvent, Patient, TimePoint
from remission.registry.quality import schedule
from remission.registry.quality.schedule import DatedPoint, SchedulePoint, Stop

CHUNK = 2000  # patients per round of reads and writes
WRITE_BATCH = 1000
# The fields refresh owns; locked_at/locked_by and waived_by belong to people.
DERIVED_FIELDS = (
    "centre_id",
    "patient_id",
    "label",
    "day",
    "due_date",
    "window_start",
    "window_end",
    "received_date",
    "not_required_reason",
)
DIED = "died on {date:%Y-%m-%d}"
WITHDRAWN = "consent withdrawn on {date:%Y-%m-%d}"
SUPERSEDED = "superseded by infusion {sequence} (day 0 {date:%Y-%m-%d})"


@dataclass
class RefreshCounts:
    patients: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    def add(self, other: RefreshCounts) -> None:
        for name in ("patients", "created", "updated", "deleted", "unchanged"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def schedules() -> dict[str, tuple[SchedulePoint, ...]]:
    """The configured schedules, by name (settings ``REMISSION_FOLLOW_UP_SCHEDULES``)."""
    configured = settings.REMISSION_FOLLOW_UP_SCHEDULES
    return {name: schedule.schedule_points(spec) for name, spec in configured.items()}


def schedule_for(
    product_type: str | None,
    manipulation: str | None,
    tables: dict[str, tuple[SchedulePoint, ...]] | None = None,
) -> tuple[SchedulePoint, ...]:
    """The schedule of an infusion of this product (``tables``: :func:`schedules`, read by the caller)."""
    name = schedule.schedule_name(
        product_type,
        manipulation=manipulation,
        of_product=settings.REMISSION_FOLLOW_UP_SCHEDULE_OF_PRODUCT,
        gene_modified_products=GENE_MODIFIED_PRODUCTS,
        gene_modification=Manipulation.GENE_MODIFICATION,
    )
    found = tables if tables is not None else schedules()
    return found.get(name) or found["hsct"]


def refresh(patient_ids: Iterable[int] | None = None, *, today: dt.date | None = None) -> RefreshCounts:
    """Bring the time points of ``patient_ids`` (None: every patient) in step with their records."""
    today = today or timezone.localdate()
    counts = RefreshCounts()
    for chunk in _chunks(patient_ids):
        with transaction.atomic(savepoint=False):  # inside a write's transaction: no savepoint of its own
            counts.add(_refresh_chunk(chunk, today))
    return counts


def _chunks(patient_ids: Iterable[int] | None) -> Iterator[dict[str, Any]]:
    """Filters of patient rows, CHUNK patients at a time: id ranges for everyone, id lists for some."""
    if patient_ids is None:
        ids = list(Patient.objects.order_by("pk").values_list("pk", flat=True))
        for i in range(0, len(ids), CHUNK):
            part = ids[i : i + CHUNK]
            yield {"patient_id__gte": part[0], "patient_id__lte": part[-1]}
        return
    ids = sorted(set(patient_ids))
    for i in range(0, len(ids), CHUNK // 4):
        yield {"patient_id__in": ids[i : i + CHUNK // 4]}


def _refresh_chunk(where: dict[str, Any], today: dt.date) -> RefreshCounts:
    patients: dict[int, tuple[int, dt.date | None]] = {}
    infusions: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in (
        Infusion.objects.filter(**where)
        .order_by("patient_id", "date", "sequence")
        .values_list(
            "pk",
            "patient_id",
            "date",
            "sequence",
            "product__product_type",
            "product__manipulation",
            "patient__centre_id",
            "patient__consent_withdrawn_date",
        )
    ):
        infusions[row[1]].append(row[:6])
        patients[row[1]] = (row[6], row[7])
    if not infusions:  # no infusion, no time point (they go with their infusion)
        return RefreshCounts()
    deaths = dict(
        OutcomeEvent.objects.filter(event_type=OutcomeType.DEATH, **where).values_list("patient_id", "date")
    )
    contacts: dict[int, list[dt.date]] = defaultdict(list)
    for patient_id, date in (
        FollowUp.objects.filter(**where).order_by("patient_id", "date").values_list("patient_id", "date")
    ):
        contacts[patient_id].append(date)
    existing = {
        (tp.infusion_id, tp.point): tp
        for tp in TimePoint.objects.filter(**where).only(
            "pk", "infusion_id", "point", "waived_by_id", "locked_at", *DERIVED_FIELDS
        )
    }

    tables = schedules()
    counts = RefreshCounts(patients=len(patients))
    create: list[TimePoint] = []
    update: list[TimePoint] = []
    wanted: set[tuple[int, str]] = set()
    for patient_id, rows in infusions.items():
        if patient_id not in patients:
            continue
        centre_id, withdrawn = patients[patient_id]
        for point, infusion_id in _expected(rows, deaths.get(patient_id), withdrawn, today, tables):
            key = (infusion_id, point.code)
            wanted.add(key)
            values = {
                "centre_id": centre_id,
                "patient_id": patient_id,
                "label": point.label,
                "day": point.day,
                "due_date": point.due_date,
                "window_start": point.window_start,
                "window_end": point.window_end,
                "received_date": schedule.received_date(
                    contacts.get(patient_id, ()), point.window_start, point.window_end
                ),
                "not_required_reason": point.not_required_reason,
            }
            old = existing.get(key)
            if old is None:
                create.append(TimePoint(infusion_id=infusion_id, point=point.code, **values))
                continue
            if old.waived_by_id is not None:  # a person's reason stays
                values["not_required_reason"] = old.not_required_reason
            if all(getattr(old, name) == value for name, value in values.items()):
                counts.unchanged += 1
                continue
            for name, value in values.items():
                setattr(old, name, value)
            update.append(old)
    gone = [
        tp.pk
        for key, tp in existing.items()
        if key not in wanted and tp.locked_at is None and tp.waived_by_id is None
    ]
    TimePoint.objects.bulk_create(create, batch_size=WRITE_BATCH)
    TimePoint.objects.bulk_update(update, list(DERIVED_FIELDS), batch_size=WRITE_BATCH // 2)
    for i in range(0, len(gone), WRITE_BATCH):
        TimePoint.objects.filter(pk__in=gone[i : i + WRITE_BATCH]).delete()
    counts.created, counts.updated, counts.deleted = len(create), len(update), len(gone)
    counts.unchanged += len([k for k in existing if k not in wanted]) - len(gone)
    return counts


def _expected(
    infusions: Sequence[tuple[Any, ...]],
    death: dt.date | None,
    withdrawn: dt.date | None,
    today: dt.date,
    tables: dict[str, tuple[SchedulePoint, ...]],
) -> Iterator[tuple[DatedPoint, int]]:
    """(point, infusion id) of one patient's infusions (sorted by day 0), with their stops."""
    common: list[Stop] = []
    if death is not None:
        common.append(Stop(death, DIED.format(date=death)))
    if withdrawn is not None:
        common.append(Stop(withdrawn, WITHDRAWN.format(date=withdrawn)))
    for i, (infusion_id, _, day0, _, product_type, manipulation) in enumerate(infusions):
        stops = list(common)
        if i + 1 < len(infusions):
            _, _, next_day0, next_sequence, _, _ = infusions[i + 1]
            stops.append(Stop(next_day0, SUPERSEDED.format(sequence=next_sequence, date=next_day0)))
        points = schedule_for(product_type, manipulation, tables)
        for point in schedule.expected_points(points, day0, today=today, stops=stops):
            yield point, infusion_id
