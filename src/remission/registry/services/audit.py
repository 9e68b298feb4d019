"""Writing the audit trail. Only services call this; nothing ever updates or deletes an audit row.

Every row is appended to the registry's hash chain (:mod:`remission.registry.audit_chain`) by
:func:`audit_write_many`: inside the caller's transaction it locks the chain head (PostgreSQL:
``SELECT … FOR UPDATE`` on the one-row :class:`~remission.registry.models.AuditChainHead`, held until the
transaction ends; SQLite: the transaction's write lock, taken at ``BEGIN IMMEDIATE``, already serialises
writers), gives each row the next sequence, the previous hash and its own hash, inserts the rows and moves
the head. Two writers therefore never fork the chain; the unique ``sequence`` column would refuse it anyway.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable, MutableMapping, Sequence
from functools import cache
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from remission.registry.access import SYSTEM
from remission.registry.audit_chain import GENESIS, content_hash
from remission.registry.codes import AuditAction
from remission.registry.models import AuditAnchor, AuditChainHead, AuditRecord

HEAD_ID = 1
Inserter = Callable[[type[models.Model], Sequence[models.Model]], None]

SKIPPED_FIELDS = frozenset({"created_at", "updated_at"})
JSON_READY = frozenset({str, int, float, bool, type(None), dict, list})  # types _jsonable leaves alone


def snapshot(record: models.Model) -> dict[str, Any]:
    """The stored values of ``record`` as JSON-ready data (foreign keys as ids, dates as ISO strings)."""
    values: dict[str, Any] = {}
    for name in _snapshot_fields(type(record)):
        value = getattr(record, name)
        values[name] = value if type(value) in JSON_READY else _jsonable(value)
    return values


@cache
def _snapshot_fields(model: type[models.Model]) -> tuple[str, ...]:
    """The attribute names a snapshot of ``model`` holds, in field order."""
    return tuple(f.attname for f in model._meta.concrete_fields if f.name not in SKIPPED_FIELDS)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def audit_write(
    *,
    actor: Any,
    action: AuditAction,
    record: models.Model | None,
    centre_id: int | None,
    patient_id: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str = "",
    entity: str | None = None,
) -> AuditRecord:
    """Add one audit row inside the caller's transaction: it lands with the write or not at all."""
    row = AuditRecord(
        actor_id=None if actor is SYSTEM else actor.pk,
        action=action,
        entity=entity or record._meta.label_lower,
        record_id=record.pk if record is not None else None,
        centre_id=centre_id,
        patient_id=patient_id,
        before=before,
        after=after,
        reason=reason or ("command line" if actor is SYSTEM else ""),
    )
    audit_write_many([row])
    return row


def _bulk_create(model: type[models.Model], rows: Sequence[models.Model]) -> None:
    model.objects.bulk_create(rows, batch_size=1000)


def chain_head_lock() -> tuple[int, str]:
    """Lock the chain head for the rest of the caller's transaction; return (sequence, hash) of the last
    row. A missing head (an emptied table) is set up again from the last stored row."""
    head = AuditChainHead.objects.select_for_update().filter(pk=HEAD_ID).first()
    if head is None:
        last = AuditRecord.objects.order_by("-sequence").values_list("sequence", "row_hash").first()
        sequence, row_hash = last or (0, GENESIS)
        AuditChainHead.objects.bulk_create(
            [AuditChainHead(pk=HEAD_ID, sequence=sequence, row_hash=row_hash)], ignore_conflicts=True
        )
        head = AuditChainHead.objects.select_for_update().get(pk=HEAD_ID)
    return head.sequence, head.row_hash


def audit_write_many(rows: Sequence[AuditRecord], *, insert: Inserter | None = None) -> int:
    """Append unsaved ``rows``, in their order, to the audit chain and insert them; return how many.

    Inside the caller's transaction (or one of its own; no savepoint): the head is locked, each row gets
    the time, the next ``sequence``, ``prev_hash`` and ``row_hash``, then ``insert(AuditRecord, rows)``
    writes them (default ``bulk_create``; a bulk importer may pass a faster writer of the same rows, e.g.
    ``COPY``) and the head moves to the last row.
    """
    return audit_append([row.__dict__ for row in rows], lambda: (insert or _bulk_create)(AuditRecord, rows))


def audit_append(contents: Sequence[MutableMapping[str, Any]], write: Callable[[], None]) -> int:
    """The chain step under :func:`audit_write_many`, for writers that hold rows as plain values.

    Each mapping of ``contents`` holds an audit row's ``actor_id``, ``action``, ``entity``, ``record_id``,
    ``centre_id``, ``patient_id``, ``before``, ``after`` and ``reason``; with the head locked, ``at``,
    ``sequence``, ``prev_hash`` and ``row_hash`` are set in each, then ``write()`` must insert exactly
    these rows with these values (before the head moves, in the same transaction).
    """
    if not contents:
        return 0
    with transaction.atomic(savepoint=False):
        sequence, prev_hash = chain_head_lock()
        now = timezone.now()
        for values in contents:
            sequence += 1
            values["at"], values["sequence"], values["prev_hash"] = now, sequence, prev_hash
            values["row_hash"] = prev_hash = content_hash(values)
        write()
        AuditChainHead.objects.filter(pk=HEAD_ID).update(sequence=sequence, row_hash=prev_hash)
    return len(contents)


def audit_anchor(*, actor: Any, note: str = "") -> AuditAnchor:
    """Store the chain head as an anchor and audit it: the anchor row names the head it took, and the
    audit row that records the anchor follows that head in the chain (an anchor is a write)."""
    with transaction.atomic():
        sequence, row_hash = chain_head_lock()
        anchor = AuditAnchor.objects.create(
            at=timezone.now(), sequence=sequence, row_hash=row_hash, note=note
        )
        audit_write(
            actor=actor,
            action=AuditAction.ANCHOR,
            record=anchor,
            centre_id=None,
            patient_id=None,
            before=None,
            after={"sequence": sequence, "row_hash": row_hash, "note": note},
        )
    return anchor
