"""The one write path every service goes through.

``record_create``, ``record_update`` and ``record_delete``:

1. check that the acting user may write at the record's centre (another centre's record is "not found");
2. in one transaction: lock the patient, validate the record against every rule
   (``registry.validation``), write it, and add the audit row;
3. for edits, compare-and-set on ``version``: an edit made from a stale copy is refused with
   :class:`~remission.registry.errors.StaleEdit` and never overwrites.

A refused write raises before anything is written; the transaction makes sure nothing half-written stays.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, TypeVar

from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from remission.registry.access import Scope, scope_for
from remission.registry.codes import AuditAction
from remission.registry.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    Problem,
    StaleEdit,
    ValidationFailed,
)
from remission.registry.models import Patient
from remission.registry.services.audit import audit_write, snapshot
from remission.registry.services.timepoints import check_unlocked
from remission.registry.validation import constraint_problem, label, patient_context, record_problems

R = TypeVar("R", bound=models.Model)

NOT_FOUND = gettext_noop("{record} was not found")
READ_ONLY = gettext_noop("your role at this centre does not allow changes ({record})")
UNKNOWN_FIELDS = gettext_noop("{fields} cannot be set on this record; allowed: {allowed}")
REASON_REQUIRED = gettext_noop("a reason is required to delete {record}")
STILL_REFERENCED = gettext_noop("{record} cannot be deleted while other records refer to it: {others}")


def centre_id_of(record: models.Model) -> int | None:
    """The centre a record belongs to: its own (patients), its patient's (patient records), or itself."""
    if isinstance(record, Patient):
        return record.centre_id
    patient_id = getattr(record, "patient_id", None)
    if patient_id is not None:
        return record.patient.centre_id
    if record._meta.model_name == "centre":
        return record.pk
    return None


def _audit(
    actor: Any,
    action: AuditAction,
    record: models.Model,
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str,
    centre_id: int | None = None,
    patient_id: int | None = None,
) -> None:
    """The audit row of one write; the centre and patient are the record's unless given (deletes)."""
    if centre_id is None:
        centre_id = centre_id_of(record)
    if patient_id is None:
        patient_id = record.pk if isinstance(record, Patient) else getattr(record, "patient_id", None)
    audit_write(
        actor=actor,
        action=action,
        record=record,
        centre_id=centre_id,
        patient_id=patient_id,
        before=before,
        after=after,
        reason=reason,
    )


def require_administrator(actor: Any, what: str) -> Scope:
    """Raise unless ``actor`` administers the registry (centres, users, memberships)."""
    scope = scope_for(actor)
    if not scope.administers:
        raise PermissionDenied(gettext(READ_ONLY).format(record=what))
    return scope


def require_write(actor: Any, record: models.Model) -> Scope:
    """Raise unless ``actor`` may write ``record``: NotFound if they cannot even read it."""
    centre_id = centre_id_of(record)
    if centre_id is None:
        return require_administrator(actor, label(record))
    scope = scope_for(actor)
    if not scope.can_read(centre_id):
        raise NotFound(gettext(NOT_FOUND).format(record=label(record)))
    if not scope.can_write(centre_id):
        raise PermissionDenied(gettext(READ_ONLY).format(record=label(record)))
    return scope


def _check_fields(
    record: models.Model, values: Mapping[str, Any], extra: frozenset[str] = frozenset()
) -> None:
    allowed = set(getattr(record, "EDITABLE_FIELDS", ())) | extra
    unknown = sorted(set(values) - allowed)
    if unknown:
        message = gettext(UNKNOWN_FIELDS).format(
            fields=", ".join(unknown), allowed=", ".join(sorted(allowed))
        )
        raise ValidationFailed([Problem(label(record), unknown[0], "editable_field", message)])


def _validate(record: models.Model, *, exclude_self: bool) -> None:
    patient = record if isinstance(record, Patient) else getattr(record, "patient", None)
    context = None
    if patient is not None and not isinstance(record, Patient):
        context = patient_context(patient, exclude=record if exclude_self else None)
    problems = record_problems(record, context)
    if problems:
        raise ValidationFailed(problems)


def _lock_patient(record: models.Model) -> None:
    """Serialise writes to one patient, so that two timeline checks cannot pass side by side.

    SQLite has no row locks; its IMMEDIATE transactions (settings) already let one writer in at a time.
    """
    patient_id = getattr(record, "patient_id", None)
    if patient_id is not None and connection.features.has_select_for_update:
        list(Patient.objects.select_for_update().filter(pk=patient_id).values_list("pk", flat=True))


def _save(record: models.Model, **kwargs: Any) -> None:
    """Save inside the caller's transaction; a database constraint violation becomes a named Problem
    (the exception leaves the transaction, which rolls everything back)."""
    try:
        record.save(**kwargs)
    except IntegrityError as exc:
        raise ValidationFailed([constraint_problem(record, exc)]) from exc


def _after_write(actor: Any, record: models.Model) -> None:
    """Inside the write's transaction: the patient's time points and rule queries follow the data
    (``services.quality_run.quality_after_write``: a rule's query closes itself once the data no longer
    break the rule)."""
    from remission.registry.services.quality_run import quality_after_write

    patient_id = record.pk if isinstance(record, Patient) else getattr(record, "patient_id", None)
    if patient_id is not None:
        quality_after_write(actor=actor, patient_id=patient_id, model_name=record._meta.model_name)


def record_create(
    model: type[R], *, actor: Any, values: Mapping[str, Any], reason: str = "", **owner: Any
) -> R:
    """Create a ``model`` row from ``values`` (editable fields) and ``owner`` (e.g. ``patient=…``)."""
    record = model(**owner)
    _check_fields(record, values)
    for name, value in values.items():
        setattr(record, name, value)
    require_write(actor, record)
    with transaction.atomic():
        _lock_patient(record)
        _validate(record, exclude_self=False)
        check_unlocked(record)  # a signed-off time point's window takes no new records
        _save(record, force_insert=True)
        _audit(actor, AuditAction.CREATE, record, before=None, after=snapshot(record), reason=reason)
        _after_write(actor, record)
    return record


def record_update(record: R, *, actor: Any, version: int, changes: Mapping[str, Any], reason: str = "") -> R:
    """Apply ``changes`` to ``record`` if it is still at ``version``; return the stored, updated record."""
    _check_fields(record, changes)
    require_write(actor, record)
    model = type(record)
    with transaction.atomic():
        _lock_patient(record)
        try:
            current = model.objects.select_for_update().get(pk=record.pk)
        except model.DoesNotExist as exc:
            raise NotFound(gettext(NOT_FOUND).format(record=label(record))) from exc
        if current.version != version:
            conflicts = tuple(
                Conflict(name, value, getattr(current, name))
                for name, value in changes.items()
                if getattr(current, name) != value
            )
            raise StaleEdit(label(current), version, current.version, conflicts)
        before = snapshot(current)
        stored = copy.copy(current)
        for name, value in changes.items():
            setattr(current, name, value)
        _validate(current, exclude_self=True)
        check_unlocked(current, before=stored)  # neither the old date nor the new in a locked window
        after_fields = {f.attname: getattr(current, f.attname) for f in model._meta.concrete_fields}
        after_fields.pop("id")
        after_fields.pop("created_at", None)
        after_fields["version"] = F("version") + 1
        after_fields["updated_at"] = timezone.now()
        try:
            updated = model.objects.filter(pk=current.pk, version=version).update(**after_fields)
        except IntegrityError as exc:
            raise ValidationFailed([constraint_problem(current, exc)]) from exc
        if updated != 1:  # a concurrent writer got there first, between our read and our write
            fresh = model.objects.get(pk=current.pk)
            raise StaleEdit(label(current), version, fresh.version, ())
        current.refresh_from_db()
        _audit(actor, AuditAction.UPDATE, current, before=before, after=snapshot(current), reason=reason)
        _after_write(actor, current)
    return current


def record_delete(record: models.Model, *, actor: Any, version: int, reason: str) -> None:
    """Delete ``record`` (at ``version``), with a reason. Records that others refer to cannot go."""
    if not reason.strip():
        raise ValidationFailed(
            [
                Problem(
                    label(record),
                    "reason",
                    "reason_required",
                    gettext(REASON_REQUIRED).format(record=label(record)),
                )
            ]
        )
    require_write(actor, record)
    model = type(record)
    with transaction.atomic():
        _lock_patient(record)
        current = model.objects.select_for_update().filter(pk=record.pk).first()
        if current is None:
            raise NotFound(gettext(NOT_FOUND).format(record=label(record)))
        if current.version != version:
            raise StaleEdit(label(current), version, current.version, ())
        check_unlocked(current)
        before = snapshot(current)
        centre_id = centre_id_of(current)
        patient_id = getattr(current, "patient_id", None)
        record_id = current.pk
        try:
            with transaction.atomic():
                current.delete()
        except (ProtectedError, IntegrityError) as exc:
            others = sorted({obj._meta.verbose_name for obj in getattr(exc, "protected_objects", [])}) or [
                "(linked)"
            ]
            message = gettext(STILL_REFERENCED).format(record=label(current), others=", ".join(others))
            raise ValidationFailed([Problem(label(current), "record", "still_referenced", message)]) from exc
        current.pk = record_id
        _audit(
            actor,
            AuditAction.DELETE,
            current,
            before=before,
            after=None,
            reason=reason,
            centre_id=centre_id,
            patient_id=patient_id,
        )
        _after_write(actor, current)
