"""The PostgreSQL fast path of the bulk writer: rows streamed with ``COPY … FROM STDIN``.

Django's ``bulk_create`` spends most of its time building model instances and compiling every value into
SQL; for a registry of 100,000 patients (five million rows and as many audit rows) that dominates. This
writer builds each row's column values straight from the generated record — the field's value if the
record has it, else the model field's default, exactly what a model instance would hold — and streams
them to PostgreSQL with psycopg's ``COPY``. The database applies the same check constraints and foreign
keys. Audit rows carry the same snapshot of values as :func:`remission.registry.services.audit.snapshot`.
The tests check that this writer and ``bulk_create`` store the same registry (``tests/synth``).

Rule checks are not this module's business: :mod:`remission.synth.bulk` validates the patients it is
asked to validate before calling :func:`copy_batch`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection, models

from remission.registry.codes import AuditAction
from remission.registry.models import AuditRecord, Patient
from remission.registry.services.audit import SKIPPED_FIELDS
from remission.synth.plan import MODEL_ORDER, PatientPlan
from remission.synth.records import MODELS

_ID, _VERSION, _NOW, _VALUE = range(4)


@dataclass(frozen=True)
class _Table:
    model: type[models.Model]
    sql: str
    fields: tuple[models.Field, ...]
    kinds: tuple[int, ...]
    json: tuple[int, ...]
    snapshot: tuple[int, ...]  # columns in an audit snapshot (all but the timestamps)


@cache
def _table(model: type[models.Model]) -> _Table:
    fields = tuple(model._meta.concrete_fields)
    kinds = tuple(
        _ID
        if f.primary_key
        else _VERSION
        if f.name == "version"
        else _NOW
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        else _VALUE
        for f in fields
    )
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    return _Table(
        model=model,
        sql=f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN",
        fields=fields,
        kinds=kinds,
        json=tuple(i for i, f in enumerate(fields) if isinstance(f, models.JSONField)),
        snapshot=tuple(i for i, f in enumerate(fields) if f.name not in SKIPPED_FIELDS),
    )


def _values(table: _Table, data: dict[str, Any], pk: int, now: dt.datetime) -> list[Any]:
    values: list[Any] = []
    for field, kind in zip(table.fields, table.kinds, strict=True):
        if kind == _VALUE:
            if field.attname in data:
                values.append(data[field.attname])
            elif field.name in data:
                values.append(data[field.name])
            else:
                values.append(field.get_default())
        else:
            values.append(pk if kind == _ID else 1 if kind == _VERSION else now)
    return values


def _jsonable(value: Any) -> Any:
    """As :func:`remission.registry.services.audit.snapshot` writes a value (dates as ISO strings)."""
    return value.isoformat() if isinstance(value, dt.date) else value


def _snapshot(table: _Table, values: list[Any]) -> dict[str, Any]:
    return {table.fields[i].attname: _jsonable(values[i]) for i in table.snapshot}


def _copy(table: _Table, rows: list[list[Any]]) -> None:
    """``COPY`` the rows; JSON goes as text (the server parses it into ``jsonb``), ``{}`` unencoded."""
    with connection.cursor() as cursor, cursor.cursor.copy(table.sql) as copy:
        for values in rows:
            for i in table.json:
                value = values[i]
                if value is not None:
                    values[i] = json.dumps(value) if value else ("{}" if isinstance(value, dict) else "[]")
            copy.write_row(values)


def copy_batch(
    plans: list[PatientPlan],
    *,
    centre_ids: dict[str, int],
    next_id: Callable[[str], int],
    reserve_audit: Callable[[int], None],
    audit: str,
    reason: str,
    now: dt.datetime,
) -> int:
    """Write ``plans`` (ids from ``next_id``) and their audit rows; return the number of audit rows."""
    patient_table = _table(Patient)
    tables = {name: _table(MODELS[name]) for name in MODEL_ORDER}
    patients: list[list[Any]] = []
    rows: dict[str, list[list[Any]]] = {name: [] for name in MODEL_ORDER}
    audits: list[tuple[str, int, int, int, dict[str, Any]]] = []  # entity, record, centre, patient, after
    for plan in plans:
        centre_id = centre_ids[plan.centre]
        patient_id = next_id("Patient")
        patient = _values(
            patient_table,
            {**plan.patient, "registry_id": plan.registry_id, "centre_id": centre_id},
            patient_id,
            now,
        )
        patients.append(patient)
        keys: dict[str, int] = {}
        created: dict[str, list[int]] = {}
        record_audits = []
        for rec in plan.records:
            pk = next_id(rec.model)
            if rec.key:
                keys[rec.key] = pk
            data = dict(rec.fields)
            data["patient_id"] = patient_id
            for field, key in rec.refs.items():
                data[f"{field}_id"] = keys[key]
            table = tables[rec.model]
            values = _values(table, data, pk, now)
            rows[rec.model].append(values)
            label = table.model._meta.label_lower
            if audit == "record":
                record_audits.append((label, pk, centre_id, patient_id, _snapshot(table, values)))
            else:
                created.setdefault(label, []).append(pk)
        if audit == "record":
            audits.append(
                ("registry.patient", patient_id, centre_id, patient_id, _snapshot(patient_table, patient))
            )
            audits.extend(record_audits)
        else:
            after = {"patient": _snapshot(patient_table, patient), "created": created}
            audits.append(("registry.patient", patient_id, centre_id, patient_id, after))
    _copy(patient_table, patients)
    for name in MODEL_ORDER:
        if rows[name]:
            _copy(tables[name], rows[name])
    reserve_audit(len(audits))
    audit_table = _table(AuditRecord)
    audit_rows = [
        _values(
            audit_table,
            {
                "actor_id": None,
                "action": AuditAction.CREATE.value,
                "entity": entity,
                "record_id": record_id,
                "centre_id": centre_id,
                "patient_id": patient_id,
                "before": None,
                "after": after,
                "reason": reason,
            },
            next_id("AuditRecord"),
            now,
        )
        for entity, record_id, centre_id, patient_id, after in audits
    ]
    _copy(audit_table, audit_rows)
    return len(audit_rows)
