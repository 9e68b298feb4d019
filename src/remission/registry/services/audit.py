"""Writing the audit trail. Only services call this; nothing ever updates or deletes an audit row."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from django.db import models

from remission.registry.access import SYSTEM
from remission.registry.codes import AuditAction
from remission.registry.models import AuditRecord

SKIPPED_FIELDS = frozenset({"created_at", "updated_at"})


def snapshot(record: models.Model) -> dict[str, Any]:
    """The stored values of ``record`` as JSON-ready data (foreign keys as ids, dates as ISO strings)."""
    values: dict[str, Any] = {}
    for field in record._meta.concrete_fields:
        if field.name in SKIPPED_FIELDS:
            continue
        values[field.attname] = _jsonable(getattr(record, field.attname))
    return values


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
    return AuditRecord.objects.create(
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
