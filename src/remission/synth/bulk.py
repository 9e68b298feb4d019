"""The bulk path: a large synthetic registry written with ``bulk_create``, batch by batch.

Memory stays flat in the number of patients: a batch of patients is generated, checked, written and
dropped before the next one is generated. Ids are reserved per batch (PostgreSQL: from each table's own
sequence, so concurrent writers are safe; SQLite: after the table's largest id, SQLite having one writer),
so a patient's rows can point at each other before they are written and every table is written with one
``bulk_create`` per batch. Each batch is one transaction: it lands whole or not at all.

Checks: with ``validate="all"`` every record passes :func:`remission.registry.validation.record_problems`
with the patient's known context before it is written (:mod:`remission.synth.records`), the rules the
services apply. ``"sample"`` checks the first :data:`SAMPLE_HEAD` patients and every
:data:`SAMPLE_EVERY`-th after that; ``"none"`` checks nothing (the tests show the generator's output
passes the rules; see ``docs/synth.md``). The database still holds its check constraints either way.

Writers: ``writer="orm"`` inserts with Django's ``bulk_create`` (any database); ``writer="copy"`` streams
the same rows into PostgreSQL with ``COPY … FROM STDIN`` (:mod:`remission.synth.copy_writer`) —
several times faster, since building model instances and compiling every value to SQL is most of
``bulk_create``'s cost. The tests check that both store the same registry.

Audit: ``audit="record"`` writes one audit row per row created (as the services do, with the same
snapshot of the values); ``audit="patient"`` writes one row per patient that lists what was created
(ids by table) — half the rows, for very large loads.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import connection, models, transaction
from django.utils import timezone

from remission.registry import services
from remission.registry.access import SYSTEM
from remission.registry.codes import AuditAction
from remission.registry.models import AuditRecord, Centre, Patient
from remission.registry.services.audit import snapshot
from remission.synth.centres import CENTRES
from remission.synth.copy_writer import copy_batch
from remission.synth.generate import generate_patient, registry_id
from remission.synth.plan import MODEL_ORDER, PatientPlan
from remission.synth.records import MODELS, PatientRows, patient_rows

VALIDATE_MODES = ("all", "sample", "none")
WRITERS = ("orm", "copy")
COPY_NEEDS_POSTGRES = "writer 'copy' needs PostgreSQL (this database is {vendor}); use writer 'orm'"
AUDIT_MODES = ("record", "patient")
SAMPLE_HEAD = 200
SAMPLE_EVERY = 50
DEFAULT_BATCH = 500
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
    """Hands out primary keys that no other writer will use."""

    def __init__(self) -> None:
        self._pools: dict[str, Iterator[int]] = {}
        self._next: dict[str, int] = {}
        self._postgres = connection.vendor == "postgresql"

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
            if self._postgres:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, count],
                )
                return sorted(row[0] for row in cursor.fetchall())
            if table not in self._next:
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

    def __call__(self, name: str) -> int:
        return next(self._pools[name])


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
    writer: str = "orm",
    today: dt.date | None = None,
) -> tuple[int, int, int]:
    """Check and write one batch in one transaction; return (rows, audit rows, patients validated)."""
    counts: Counter[str] = Counter({"Patient": len(plans)})
    for plan in plans:
        counts.update(rec.model for rec in plan.records)
    validated = sum(1 for plan in plans if _should_validate(validate, plan.index))
    if writer == "copy":
        for plan in plans:
            if _should_validate(validate, plan.index):
                _check_only(plan, centre_ids[plan.centre], today)
        with transaction.atomic():
            ids.reserve(counts)
            audited = copy_batch(
                plans,
                centre_ids=centre_ids,
                next_id=ids,
                audit=audit,
                reason=reason,
                now=timezone.now(),
                reserve_audit=lambda n: ids.reserve(Counter({"AuditRecord": n})),
            )
        return sum(counts.values()), audited, validated
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
        AuditRecord.objects.bulk_create(audit_rows, batch_size=2000)
    return sum(counts.values()), len(audit_rows), validated


def bulk_load(
    *,
    seed: int,
    count: int,
    start: int = 0,
    batch_size: int = DEFAULT_BATCH,
    validate: str = "all",
    audit: str = "record",
    writer: str = "orm",
    id_prefix: str | None = None,
    is_demo: bool = False,
    progress: Callable[[int], None] | None = None,
    today: dt.date | None = None,
) -> LoadResult:
    """Generate and write patients ``start`` … ``start + count − 1`` of the registry with ``seed``."""
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
    began = time.perf_counter()
    centre_ids = ensure_centres(is_demo=is_demo, reason=reason)
    ids = IdReserver()
    rows = audit_rows = validated = 0
    for batch_start in range(start, start + count, batch_size):
        batch_end = min(start + count, batch_start + batch_size)
        plans = [generate_patient(seed, i, id_prefix=id_prefix) for i in range(batch_start, batch_end)]
        written, audited, checked = write_batch(
            plans,
            centre_ids=centre_ids,
            ids=ids,
            validate=validate,
            audit=audit,
            reason=reason,
            writer=writer,
            today=today,
        )
        rows += written
        audit_rows += audited
        validated += checked
        if progress is not None:
            progress(len(plans))
    return LoadResult(count, rows, audit_rows, time.perf_counter() - began, validated)
