"""The PostgreSQL fast path of the bulk writer: a prepared batch numbered and streamed with ``COPY``.

Django's ``bulk_create`` spends most of its time building model instances and compiling every value into
SQL; for a registry of 100,000 patients (five million rows) that dominates. The ``COPY`` path splits the
work in two. :mod:`remission.synth.copy_text` turns generated patients into ``COPY`` text with
batch-local row numbers where the ids go (no database needed, so it runs in worker processes);
:func:`copy_batch` here, in the process that holds the connection, reserves the ids, puts them in front
of each line and streams every table to PostgreSQL with ``COPY … FROM STDIN`` — so the Python work left
for this process is a string join per row. The database applies the same check constraints and foreign
keys. The tests check that this writer and ``bulk_create`` store the same registry (``tests/synth``).

Audit rows: ``audit="record"`` gives one per row with the row's snapshot
(:func:`remission.registry.services.audit.snapshot`'s values, ids included); ``audit="patient"`` one per
patient with the patient's snapshot and the ids created for it, by table.

Rule checks are not this module's business: :mod:`remission.synth.bulk` validates the patients it is
asked to validate before calling :func:`copy_batch`.
"""

from __future__ import annotations

import datetime as dt
import json
from bisect import bisect_left
from collections.abc import Callable, Sequence

from django.db import connection

from remission.registry.codes import AuditAction
from remission.registry.models import AuditRecord
from remission.registry.services.audit import audit_append
from remission.synth.copy_text import NO_ROW, NULL, BatchText, copy_escape, layout

AUDIT_COLUMNS = ("id", "at", "actor_id", "action", "entity", "record_id", "centre_id", "patient_id",
                 "before", "after", "reason", "sequence", "prev_hash", "row_hash")  # fmt: skip


def _json_id(pk: int | None) -> str:
    return "null" if pk is None else str(pk)


def _copy(table: str, columns: Sequence[str], lines: list[str]) -> None:
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.write("".join(lines))


def copy_batch(
    batch: BatchText,
    *,
    take_ids: Callable[[str, int], list[int]],
    audit: str,
    reason: str,
    now: dt.datetime,
) -> int:
    """Write ``batch`` with ids from ``take_ids(model name, count)`` and its audit rows; return those."""
    stamp = now.isoformat()
    ids: dict[str, list[int]] = {name: take_ids(name, len(t.values)) for name, t in batch.tables.items()}
    patient_ids = ids["Patient"]
    audits: list[tuple[str, int, int, int, str]] = []  # entity, record id, centre id, patient id, after
    for name, table in batch.tables.items():
        spec = layout(name)
        own = ids[name]
        patients = list(range(len(own))) if name == "Patient" else table.patients
        owners = [patient_ids[p] for p in patients]
        # the key columns after the id: patient, then the references (NULL where a record has none)
        refs = [
            (column, [None if r == NO_ROW else ids[target][r] for r in table.refs[column]])
            for column, target in spec.refs
        ]
        keys = [f"\t{pk}" for pk in owners] if spec.has_patient else [""] * len(own)
        for _column, targets in refs:
            keys = [f"{key}\t{NULL if pk is None else pk}" for key, pk in zip(keys, targets, strict=True)]
        stamps = "".join(f"\t{stamp}" for _ in range(spec.timestamps))
        lines = [f"{pk}{key}{stamps}\t{v}\n" for pk, key, v in zip(own, keys, table.values, strict=True)]
        _copy(spec.model._meta.db_table, spec.columns, lines)
        if name != "Patient" and audit != "record":
            continue
        label = spec.model._meta.label_lower
        identity = [f'"id": {pk}, "patient_id": {owner}' for pk, owner in zip(own, owners, strict=True)]
        if name == "Patient":
            identity = [f'"id": {pk}' for pk in own]
        for column, targets in refs:
            identity = [f'{i}, "{column}": {_json_id(pk)}' for i, pk in zip(identity, targets, strict=True)]
        audits.extend(
            (label, pk, batch.centres[p], owner, f"{{{i}, {snapshot}}}")
            for pk, p, owner, i, snapshot in zip(
                own, patients, owners, identity, table.snapshots, strict=True
            )
        )
    if audit == "patient":
        audits = _patient_audits(batch, ids, audits)
    audit_ids = take_ids("AuditRecord", len(audits))
    action, text = AuditAction.CREATE.value, copy_escape(reason)
    # the rows' values as the audit chain hashes them (registry/audit_chain.py). The ``after`` text is
    # COPY-escaped JSON; JSON text holds no tab or line break, so the escapes are doubled backslashes
    contents = [
        {
            "actor_id": None,
            "action": action,
            "entity": entity,
            "record_id": record,
            "centre_id": centre,
            "patient_id": patient,
            "before": None,
            "after": json.loads(after.replace("\\\\", "\\")),
            "reason": reason,
        }
        for entity, record, centre, patient, after in audits
    ]

    def write() -> None:
        lines = [
            f"{pk}\t{c['at'].isoformat()}\t{NULL}\t{action}\t{c['entity']}\t{c['record_id']}\t{c['centre_id']}"
            f"\t{c['patient_id']}\t{NULL}\t{audit[4]}\t{text}\t{c['sequence']}\t{c['prev_hash']}\t{c['row_hash']}\n"
            for pk, c, audit in zip(audit_ids, contents, audits, strict=True)
        ]
        _copy(AuditRecord._meta.db_table, AUDIT_COLUMNS, lines)

    return audit_append(contents, write)


def _patient_audits(
    batch: BatchText, ids: dict[str, list[int]], patients: list[tuple[str, int, int, int, str]]
) -> list[tuple[str, int, int, int, str]]:
    """One audit row per patient: ``{"patient": snapshot, "created": {table label: [ids]}}``."""
    created: list[list[str]] = [[] for _ in patients]
    for name, table in batch.tables.items():
        if name == "Patient":
            continue
        label = layout(name).model._meta.label_lower
        own, rows = ids[name], table.patients
        for p in range(len(patients)):
            begin, end = bisect_left(rows, p), bisect_left(rows, p + 1)  # a patient's rows are adjacent
            if end > begin:
                created[p].append(f'"{label}": [{", ".join(map(str, own[begin:end]))}]')
    return [
        (entity, record, centre, patient, f'{{"patient": {after}, "created": {{{", ".join(tables)}}}}}')
        for (entity, record, centre, patient, after), tables in zip(patients, created, strict=True)
    ]
