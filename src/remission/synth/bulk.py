"""The bulk path: a large synthetic registry written batch by batch (``bulk_create`` or ``COPY``).

Memory stays flat in the number of patients: a batch of patients is generated, checked, written and
dropped before much more is generated. Ids are reserved per batch (PostgreSQL: from each table's own
sequence, so concurrent writers are safe, or counted from it in a first load, which locks its tables;
SQLite: after the table's largest id, SQLite having one writer; see :class:`IdReserver`),
so a patient's rows can point at each other before they are written and every table is written in one
statement per batch. Each batch is one transaction (a savepoint in a first load): it lands whole or not at
all.

Checks: with ``validate="all"`` every record passes :func:`remission.registry.validation.record_problems`
with the patient's known context before it is written (:mod:`remission.synth.records`), the rules the
services apply. ``"sample"`` checks the first :data:`SAMPLE_HEAD` patients and every
:data:`SAMPLE_EVERY`-th after that; ``"none"`` checks nothing (the tests show the generator's output
passes the rules; see ``docs/synth.md``). The database still holds its check constraints either way.

Writers: ``writer="orm"`` inserts with Django's ``bulk_create`` (any database); ``writer="copy"`` streams
the same rows into PostgreSQL with ``COPY … FROM STDIN``: worker processes (``workers``, forked from this
one) generate each batch and lay it out as ``COPY`` text (:mod:`remission.synth.copy_text`) while this
process numbers and writes the previous one (:mod:`remission.synth.copy_writer`). Into a registry with no
patient yet, the ``COPY`` writer loads everything in one transaction with the foreign keys and plain
indexes built once at the end (:mod:`remission.synth.first_load`): it lands whole or not at all. A
patient depends only on ``(seed, index)`` and batches are written in order, so the registry does not
depend on the batch size or the number of workers. The tests check that both writers store the same registry.

Audit: ``audit="record"`` writes one audit row per row created (as the services do, with the same
snapshot of the values); ``audit="patient"`` writes one row per patient with the patient's snapshot and
the ids of every record created for it, by table — every write is still audited, in 1/55 of the rows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import itertools
import multiprocessing
import os
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import connection, models, transaction
from django.utils import timezone

from remission.registry import services
from remission.registry.access import SYSTEM
from remission.registry.codes import AuditAction
from remission.registry.models import AuditRecord, Centre, Patient
from remission.registry.services.audit import audit_write_many, snapshot
from remission.synth.centres import CENTRES
from remission.synth.copy_text import BatchText, batch_text
from remission.synth.copy_writer import copy_batch
from remission.synth.first_load import keys_and_indexes_after
from remission.synth.generate import generate_patient, registry_id
from remission.synth.hazards import calibrated
from remission.synth.plan import MODEL_ORDER, PatientPlan
from remission.synth.records import MODELS, PatientRows, patient_rows

VALIDATE_MODES = ("all", "sample", "none")
WRITERS = ("orm", "copy")
COPY_NEEDS_POSTGRES = "writer 'copy' needs PostgreSQL (this database is {vendor}); use writer 'orm'"
AUDIT_MODES = ("record", "patient")
SAMPLE_HEAD = 200
SAMPLE_EVERY = 500
DEFAULT_BATCH = 500
MAX_WORKERS = 2
ALREADY_LOADED = (
    "patient {registry_id} already exists: this seed (or id prefix) is already loaded; "
    "use another seed or --id-prefix"
)


@dataclass(frozen=True)
class LoadResult:
    patients: int
    rows: int  # registry rows written, patients included
    audit_rows: int
    seconds: float
    validated_patients: int


def audit_reason(seed: int) -> str:
    return f"synthetic registry (remission.synth, seed {seed})"


def ensure_centres(*, is_demo: bool = False, actor: object = SYSTEM, reason: str = "") -> dict[str, int]:
    """Create the synthetic centres that do not exist yet (through the service); return code -> id."""
    existing = dict(Centre.objects.filter(code__in=[c.code for c in CENTRES]).values_list("code", "pk"))
    for spec in CENTRES:
        if spec.code in existing:
            continue
        centre = services.centre_create(
            actor=actor,
            code=spec.code,
            name=spec.name,
            country=spec.country,
            ebmt_cic=spec.ebmt_cic,
            cibmtr_ccn=spec.cibmtr_ccn,
            jacie_accredited=spec.jacie,
            first_procedure_year=spec.first_year,
            is_demo=is_demo,
            reason=reason or "synthetic registry centres",
        )
        existing[spec.code] = centre.pk
    return existing


class IdReserver:
    """Hands out primary keys that no other writer will use.

    PostgreSQL: from each table's own sequence (``nextval`` per id), safe beside other writers. With
    ``tables_locked`` (a first load holds its tables exclusively, :mod:`remission.synth.first_load`) the
    ids are counted here from one ``nextval`` per table, and :meth:`continue_sequences` moves each
    sequence past the last id used: no other writer can insert into a locked table meanwhile. SQLite: after
    the table's largest id (SQLite has one writer).
    """

    def __init__(self, *, tables_locked: bool = False) -> None:
        self._pools: dict[str, Iterator[int]] = {}
        self._next: dict[str, int] = {}
        self._postgres = connection.vendor == "postgresql"
        self._count_here = tables_locked or not self._postgres

    @staticmethod
    def model(name: str) -> type[models.Model]:
        return Patient if name == "Patient" else (AuditRecord if name == "AuditRecord" else MODELS[name])

    def reserve(self, counts: Counter[str]) -> None:
        for name, count in counts.items():
            if count:
                self._pools[name] = iter(self._take(self.model(name), count))

    def _take(self, model: type[models.Model], count: int) -> list[int]:
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if not self._count_here:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, count],
                )
                return sorted(row[0] for row in cursor.fetchall())
            if table not in self._next and self._postgres:
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
                self._next[table] = cursor.fetchone()[0]
            elif table not in self._next:
                cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')
                start = cursor.fetchone()[0]
                if connection.vendor == "sqlite":
                    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                    row = cursor.fetchone()
                    start = max(start, row[0] if row else 0)
                self._next[table] = start + 1
        first = self._next[table]
        self._next[table] = first + count
        return list(range(first, first + count))

    def continue_sequences(self) -> None:
        """PostgreSQL, ids counted here: set each sequence to the last id handed out."""
        if not (self._postgres and self._count_here):
            return
        with connection.cursor() as cursor:
            for table, following in self._next.items():
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, following - 1])

    def __call__(self, name: str) -> int:
        return next(self._pools[name])

    def take(self, name: str, count: int) -> list[int]:
        """``count`` fresh ids for model ``name``, in increasing order."""
        return self._take(self.model(name), count)


def _should_validate(mode: str, index: int) -> bool:
    if mode == "all":
        return True
    if mode == "sample":
        return index < SAMPLE_HEAD or index % SAMPLE_EVERY == 0
    return False


def _audit_rows(rows: PatientRows, centre_id: int, mode: str, reason: str) -> list[AuditRecord]:
    patient = rows.patient
    common = {
        "actor_id": None,
        "action": AuditAction.CREATE,
        "centre_id": centre_id,
        "patient_id": patient.pk,
        "before": None,
        "reason": reason,
    }
    if mode == "record":
        return [
            AuditRecord(entity=row._meta.label_lower, record_id=row.pk, after=snapshot(row), **common)
            for row in (patient, *rows.records)
        ]
    created: dict[str, list[int]] = {}
    for row in rows.records:
        created.setdefault(row._meta.label_lower, []).append(row.pk)
    after = {"patient": snapshot(patient), "created": created}
    return [AuditRecord(entity="registry.patient", record_id=patient.pk, after=after, **common)]


def _check_only(plan: PatientPlan, centre_id: int, today: dt.date | None) -> None:
    """Run the registry's rules over ``plan`` (raise if one is broken) without keeping the rows."""
    numbers = itertools.count(1)
    patient_rows(plan, centre_id=centre_id, next_id=lambda _name: next(numbers), validate=True, today=today)


def write_batch(
    plans: list[PatientPlan],
    *,
    centre_ids: dict[str, int],
    ids: IdReserver,
    validate: str,
    audit: str,
    reason: str,
    today: dt.date | None = None,
) -> tuple[int, int, int]:
    """Check and ``bulk_create`` one batch in one transaction; return (rows, audit rows, checked)."""
    counts: Counter[str] = Counter({"Patient": len(plans)})
    for plan in plans:
        counts.update(rec.model for rec in plan.records)
    validated = sum(1 for plan in plans if _should_validate(validate, plan.index))
    with transaction.atomic():
        ids.reserve(counts)
        built = [
            patient_rows(
                plan,
                centre_id=centre_ids[plan.centre],
                next_id=ids,
                validate=_should_validate(validate, plan.index),
                today=today,
            )
            for plan in plans
        ]
        by_model: dict[str, list[models.Model]] = {name: [] for name in MODEL_ORDER}
        for rows in built:
            for row in rows.records:
                by_model[type(row).__name__].append(row)
        Patient.objects.bulk_create([rows.patient for rows in built], batch_size=2000)
        for name in MODEL_ORDER:
            if by_model[name]:
                MODELS[name].objects.bulk_create(by_model[name], batch_size=2000)
        audit_rows = [
            row
            for rows, plan in zip(built, plans, strict=True)
            for row in _audit_rows(rows, centre_ids[plan.centre], audit, reason)
        ]
        audit_write_many(audit_rows)  # appended to the audit chain (registry/audit_chain.py)
    return sum(counts.values()), len(audit_rows), validated


def prepared_batches(
    prepare: Callable[[int, int], BatchText], ranges: list[tuple[int, int]], workers: int
) -> Iterator[BatchText]:
    """``prepare(first, count)`` for each range, in order; with ``workers`` > 0 in that many processes.

    At most ``workers + 1`` batches are prepared ahead of the one being written, so memory stays flat.
    The workers are forked from this process (they inherit the solved outcome model and never touch the
    database connection); each batch depends only on its range, so the split does not change the result.
    """
    if workers <= 0:
        for first, count in ranges:
            yield prepare(first, count)
        return
    todo = iter(ranges)
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pending = deque(pool.apply_async(prepare, r) for r in itertools.islice(todo, workers + 1))
        while pending:
            batch = pending.popleft().get()
            following = next(todo, None)
            if following is not None:
                pending.append(pool.apply_async(prepare, following))
            yield batch


def _copy_load(
    *,
    seed: int,
    ranges: list[tuple[int, int]],
    id_prefix: str | None,
    centre_ids: dict[str, int],
    validate: str,
    audit: str,
    reason: str,
    workers: int,
    today: dt.date | None,
    as_of: dt.date | None,
    progress: Callable[[int], None] | None,
) -> tuple[int, int, int]:
    """The ``COPY`` writer: batches prepared (in workers) while the previous one is written."""
    prepare = functools.partial(
        batch_text,
        seed,
        id_prefix=id_prefix,
        centre_ids=centre_ids,
        snapshots=audit == "record",
        as_of=as_of,
    )
    rows = audit_rows = validated = 0
    first = not Patient.objects.exists()
    tables = [Patient, *(MODELS[name] for name in MODEL_ORDER), AuditRecord]
    ids = IdReserver(tables_locked=first)
    with keys_and_indexes_after(tables) if first else contextlib.nullcontext():
        for batch in prepared_batches(prepare, ranges, workers):
            for index in range(batch.first, batch.first + batch.patients):
                if _should_validate(validate, index):
                    plan = generate_patient(seed, index, id_prefix=id_prefix, as_of=as_of)
                    _check_only(plan, centre_ids[plan.centre], today)
                    validated += 1
            with transaction.atomic():  # a savepoint inside a first load's transaction
                stamp = timezone.now()
                audit_rows += copy_batch(batch, take_ids=ids.take, audit=audit, reason=reason, now=stamp)
            rows += batch.rows()
            if progress is not None:
                progress(batch.patients)
        ids.continue_sequences()
    return rows, audit_rows, validated


def default_workers() -> int:
    """Processes preparing ``COPY`` batches: one per core, at most :data:`MAX_WORKERS`."""
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def bulk_load(
    *,
    seed: int,
    count: int,
    start: int = 0,
    batch_size: int = DEFAULT_BATCH,
    validate: str = "all",
    audit: str = "record",
    writer: str = "orm",
    workers: int | None = None,
    id_prefix: str | None = None,
    is_demo: bool = False,
    progress: Callable[[int], None] | None = None,
    today: dt.date | None = None,
    as_of: dt.date | None = None,
) -> LoadResult:
    """Generate and write patients ``start`` … ``start + count − 1`` of the registry with ``seed``.

    ``workers`` (``COPY`` writer only): processes preparing batches while this one writes; ``0`` prepares
    them here; ``None`` = :func:`default_workers`, or ``0`` for a single batch. ``as_of``: the registry as
    it stands on that day (the demo; :mod:`remission.synth.present`); ``today``: the day the rules check
    dates against (default ``as_of``, else the current date).
    """
    if validate not in VALIDATE_MODES:
        raise ValueError(f"validate must be one of {VALIDATE_MODES}, not {validate!r}")
    if audit not in AUDIT_MODES:
        raise ValueError(f"audit must be one of {AUDIT_MODES}, not {audit!r}")
    if writer not in WRITERS:
        raise ValueError(f"writer must be one of {WRITERS}, not {writer!r}")
    if writer == "copy" and connection.vendor != "postgresql":
        raise ValueError(COPY_NEEDS_POSTGRES.format(vendor=connection.vendor))
    first = registry_id(seed, start, id_prefix)
    if Patient.objects.filter(registry_id=first).exists():
        raise ValueError(ALREADY_LOADED.format(registry_id=first))
    reason = audit_reason(seed)
    today = today or as_of
    began = time.perf_counter()
    centre_ids = ensure_centres(is_demo=is_demo, reason=reason)
    calibrated()  # solved once here, inherited by the workers
    ranges = [(b, min(start + count, b + batch_size) - b) for b in range(start, start + count, batch_size)]
    if writer == "copy":
        if workers is None:
            workers = default_workers() if len(ranges) > 1 else 0
        rows, audit_rows, validated = _copy_load(
            seed=seed,
            ranges=ranges,
            id_prefix=id_prefix,
            centre_ids=centre_ids,
            validate=validate,
            audit=audit,
            reason=reason,
            workers=workers,
            today=today,
            as_of=as_of,
            progress=progress,
        )
        return LoadResult(count, rows, audit_rows, time.perf_counter() - began, validated)
    ids = IdReserver()
    rows = audit_rows = validated = 0
    for batch_start, batch_count in ranges:
        indices = range(batch_start, batch_start + batch_count)
        plans = [generate_patient(seed, i, id_prefix=id_prefix, as_of=as_of) for i in indices]
        written, audited, checked = write_batch(
            plans, centre_ids=centre_ids, ids=ids, validate=validate, audit=audit, reason=reason, today=today
        )
        rows += written
        audit_rows += audited
        validated += checked
        if progress is not None:
            progress(len(plans))
    return LoadResult(count, rows, audit_rows, time.perf_counter() - began, validated)
