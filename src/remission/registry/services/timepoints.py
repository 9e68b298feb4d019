"""Time points: sign off (lock), unlock, mark not required (waive); and the record services' two hooks.

Who (``registry.access.Scope``): a centre's data manager or clinician (or the administrator) locks a time
point once none of its queries is open or answered, and waives one with a reason ("lost to follow-up");
they, or a registry data coordinator, unlock it. Another centre's time point is *not found*. Each step runs
in one transaction and leaves an audit row (entity ``registry.timepoint``, the time point's centre and
patient, the fields before and after, the reason).

While a time point is locked, a record of the patient dated inside its window cannot be created, changed
or deleted (:func:`check_unlocked`, called by ``services/records.py``): "Day 100 was signed off on …:
unlock it first". (After every write, ``services/records.py`` refreshes the patient's time points in the
same transaction, through ``services.quality_run.quality_after_write``.)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from remission.registry.access import SYSTEM, Scope, scope_for
from remission.registry.codes import AuditAction, QueryStatus
from remission.registry.errors import NotFound, PermissionDenied, Problem, ValidationFailed
from remission.registry.models import Patient, TimePoint
from remission.registry.services.audit import audit_write, snapshot
from remission.registry.validation import label

NOT_FOUND = gettext_noop("time point {pk} was not found")
MAY_NOT = gettext_noop("your role may not {verb} time points of this centre ({label})")
LOCKED_WINDOW = gettext_noop(
    "{label} was signed off on {on:%Y-%m-%d}: unlock it first ({date:%Y-%m-%d} lies in its window)"
)
OPEN_QUERIES = "{label} has {n} open or answered quer{ies}: close {them} before signing it off"
ALREADY_LOCKED = gettext_noop("{label} is already signed off")
NOT_LOCKED = gettext_noop("{label} is not signed off")
LOCKED_NO_WAIVE = gettext_noop("{label} is signed off: unlock it before marking it not required")
REASON_REQUIRED = gettext_noop("say why {label} is not required (e.g. lost to follow-up)")
REASON_MAX = 200


def time_point_label(tp: TimePoint) -> str:
    registry_id = getattr(getattr(tp, "patient", None), "registry_id", "")
    return f"{tp.label} of patient {registry_id}" if registry_id else f"{tp.label} (time point {tp.pk})"


def _get(actor: Any, pk: Any) -> tuple[TimePoint, Scope]:
    scope = scope_for(actor)
    try:
        tp = TimePoint.objects.select_for_update().select_related("patient").get(pk=int(pk))
    except (TimePoint.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(gettext(NOT_FOUND).format(pk=pk)) from exc
    if not scope.can_read(tp.centre_id):
        raise NotFound(gettext(NOT_FOUND).format(pk=pk))
    return tp, scope


def _problem(tp: TimePoint, field: str, rule: str, message: str) -> ValidationFailed:
    return ValidationFailed([Problem(time_point_label(tp), field, rule, message)])


def _audit(actor: Any, action: AuditAction, tp: TimePoint, before: dict[str, Any], reason: str) -> None:
    audit_write(
        actor=actor,
        action=action,
        record=tp,
        centre_id=tp.centre_id,
        patient_id=tp.patient_id,
        before=before,
        after=snapshot(tp),
        reason=reason,
    )


def may_lock(scope: Scope, tp: TimePoint) -> bool:
    return scope.can_write(tp.centre_id)


def may_unlock(scope: Scope, tp: TimePoint) -> bool:
    return scope.can_write(tp.centre_id) or (scope.coordinates and scope.can_read(tp.centre_id))


def time_point_lock(*, actor: Any, time_point: Any, reason: str = "") -> TimePoint:
    """Sign off ``time_point`` (a TimePoint or its id); refused while a query on it is open or answered."""
    pk = getattr(time_point, "pk", time_point)
    with transaction.atomic():
        tp, scope = _get(actor, pk)
        if not may_lock(scope, tp):
            raise PermissionDenied(
                gettext(MAY_NOT).format(verb=gettext("sign off"), label=time_point_label(tp))
            )
        if tp.locked_at is not None:
            raise _problem(
                tp,
                "locked_at",
                "time_point_locked",
                gettext(ALREADY_LOCKED).format(label=time_point_label(tp)),
            )
        waiting = tp.queries.filter(status__in=[QueryStatus.OPEN, QueryStatus.ANSWERED]).count()
        if waiting:
            message = OPEN_QUERIES.format(
                label=time_point_label(tp),
                n=waiting,
                ies="y" if waiting == 1 else "ies",
                them="it" if waiting == 1 else "them",
            )
            raise _problem(tp, "queries", "time_point_open_queries", message)
        before = snapshot(tp)
        tp.locked_at = timezone.now()
        tp.locked_by = None if actor is SYSTEM else actor
        tp.save(update_fields=["locked_at", "locked_by"])
        _audit(actor, AuditAction.TIME_POINT_LOCK, tp, before, reason)
    return tp


def time_point_unlock(*, actor: Any, time_point: Any, reason: str = "") -> TimePoint:
    """Lift the sign-off of ``time_point``: the centre's writers, or a registry data coordinator."""
    pk = getattr(time_point, "pk", time_point)
    with transaction.atomic():
        tp, scope = _get(actor, pk)
        if not may_unlock(scope, tp):
            raise PermissionDenied(
                gettext(MAY_NOT).format(verb=gettext("unlock"), label=time_point_label(tp))
            )
        if tp.locked_at is None:
            raise _problem(
                tp,
                "locked_at",
                "time_point_not_locked",
                gettext(NOT_LOCKED).format(label=time_point_label(tp)),
            )
        before = snapshot(tp)
        tp.locked_at = None
        tp.locked_by = None
        tp.save(update_fields=["locked_at", "locked_by"])
        _audit(actor, AuditAction.TIME_POINT_UNLOCK, tp, before, reason)
    return tp


def time_point_waive(*, actor: Any, time_point: Any, reason: str) -> TimePoint:
    """Mark ``time_point`` not required, saying why (e.g. "lost to follow-up"): the centre's writers."""
    pk = getattr(time_point, "pk", time_point)
    with transaction.atomic():
        tp, scope = _get(actor, pk)
        if not may_lock(scope, tp):
            raise PermissionDenied(gettext(MAY_NOT).format(verb=gettext("waive"), label=time_point_label(tp)))
        text = (reason or "").strip()
        if not text:
            raise _problem(
                tp, "reason", "reason_required", gettext(REASON_REQUIRED).format(label=time_point_label(tp))
            )
        if len(text) > REASON_MAX:
            message = f"the reason is longer than {REASON_MAX} characters"
            raise _problem(tp, "reason", "reason_length", message)
        if tp.locked_at is not None:
            raise _problem(
                tp,
                "locked_at",
                "time_point_locked",
                gettext(LOCKED_NO_WAIVE).format(label=time_point_label(tp)),
            )
        before = snapshot(tp)
        tp.not_required_reason = text
        tp.waived_by = None if actor is SYSTEM else actor
        tp.save(update_fields=["not_required_reason", "waived_by"])
        _audit(actor, AuditAction.TIME_POINT_WAIVE, tp, before, text)
    return tp


# --- hooks of services/records.py ----------------------------------------------------------------------


def _dates(record: models.Model) -> list[tuple[str, dt.date]]:
    found = []
    for name in getattr(record, "TIMELINE_DATES", ()):
        value = getattr(record, name, None)
        if isinstance(value, dt.date):
            found.append((name, value))
    return found


def check_unlocked(record: models.Model, *, before: models.Model | None = None, what: str = "") -> None:
    """Refuse a write of ``record`` (and of its stored state ``before``) dated inside a locked time point's
    window of the same patient. Patients themselves (consent dates) are not bound by locks."""
    if isinstance(record, Patient):
        return
    patient_id = getattr(record, "patient_id", None)
    dates = _dates(record) + (_dates(before) if before is not None else [])
    if patient_id is None or not dates:
        return
    days = [d for _, d in dates]
    locked = list(
        TimePoint.objects.filter(
            patient_id=patient_id,
            locked_at__isnull=False,
            window_start__lte=max(days),
            window_end__gte=min(days),
        ).order_by("window_start")
    )
    for tp in locked:
        for name, day in dates:
            if tp.window_start <= day <= tp.window_end:
                message = gettext(LOCKED_WINDOW).format(
                    label=tp.label, on=timezone.localtime(tp.locked_at), date=day
                )
                raise ValidationFailed([Problem(what or label(record), name, "time_point_locked", message)])
