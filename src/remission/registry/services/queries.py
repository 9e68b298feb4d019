"""Queries on one field of one record: raise, comment, answer, close, re-open.

Lifecycle (``registry.models.quality.Query``)::

    open --answer--> answered --close--> closed --reopen--> open
      \\------------------close--------------^

Who (``registry.access.Scope``): a registry data coordinator or administrator raises a query on any
centre's record, a centre's data manager or clinician on their own centre's; the centre (data manager,
clinician, or administrator) answers it — and may correct the record through the normal services; whoever
raised it, or a coordinator or administrator, closes or re-opens it. A rule's query (``raised_by`` empty)
is closed or re-opened by a person only if they coordinate. Anyone who reads the patient and is the
raiser, a writer at the centre or a coordinator may comment.

Each step runs in one transaction, adds a :class:`QueryEvent` to the thread and an audit row (entity
``registry.query``, the query's centre and patient, the status before and after). A refused step raises
before anything is written: :class:`NotFound` for a record or query of a centre the user cannot read,
:class:`PermissionDenied` for a role that may not do this, :class:`ValidationFailed` naming the rule
(``query_transition``, ``query_text_required``, ``query_field``, ``query_entity``, ``query_severity``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_noop

from remission.registry.access import SYSTEM, Scope, scope_for
from remission.registry.codes import AuditAction, QueryEventKind, QueryStatus, Severity
from remission.registry.errors import NotFound, PermissionDenied, Problem, ValidationFailed
from remission.registry.models import Patient, Query, QueryEvent, TimePoint
from remission.registry.services.audit import audit_write

ENTITY = "registry.query"
TEXT_MAX = 4000
# Fields a query may not name: the record's bookkeeping, not data anyone entered.
BOOKKEEPING = frozenset({"id", "version", "created_at", "updated_at", "patient", "centre", "registry_id"})
DATE_FIELDS = ("date", "start_date", "collection_date", "onset_date", "diagnosis_date", "consent_date")

NOT_FOUND = gettext_noop("{what} was not found")
QUERY_NOT_FOUND = gettext_noop("query {pk} was not found")
MAY_NOT_RAISE = gettext_noop("your role may not raise queries on this centre's records ({record})")
MAY_NOT_ANSWER = gettext_noop("only the centre (its data manager or clinician) answers query {pk}")
MAY_NOT_CLOSE = gettext_noop("only whoever raised query {pk}, or a registry data coordinator, may {verb} it")
MAY_NOT_CLOSE_RULE = gettext_noop(
    "query {pk} was raised by rule {rule}: only a registry data coordinator may {verb} it"
)
MAY_NOT_COMMENT = gettext_noop(
    "only the raiser, the centre or a registry data coordinator may comment on query {pk}"
)
UNKNOWN_ENTITY = gettext_noop("{entity!r} is no kind of record a query can be raised on")
UNKNOWN_FIELD = gettext_noop("{record} has no field {field!r} a query can name")
UNKNOWN_SEVERITY = gettext_noop("severity must be one of {allowed}, not {value!r}")
TEXT_REQUIRED = gettext_noop("{what} needs a text")
TEXT_TOO_LONG = gettext_noop("the text is longer than {limit} characters")
TRANSITION = gettext_noop("query {pk} is {status}; it can be {verb} only when it is {allowed}")


def _now() -> dt.datetime:
    return timezone.now()


def _record_label(model: type[models.Model], record: models.Model) -> str:
    name = capfirst(str(model._meta.verbose_name))
    patient = record if isinstance(record, Patient) else getattr(record, "patient", None)
    if isinstance(record, Patient):
        return f"Patient {record.registry_id}"
    registry_id = getattr(patient, "registry_id", "")
    return f"{name} #{record.pk} of patient {registry_id}" if registry_id else f"{name} #{record.pk}"


def query_label(query: Query) -> str:
    return f"Query #{query.pk}" if query.pk else "Query (new)"


def queryable_model(entity: str) -> type[models.Model]:
    """The model of ``entity`` (``registry.followup``) if a query may name its records, else a named error."""
    from remission.registry.kinds import EDITABLE_KINDS

    try:
        model = apps.get_model(entity)
    except (LookupError, ValueError) as exc:
        message = gettext(UNKNOWN_ENTITY).format(entity=entity)
        raise ValidationFailed([Problem("Query (new)", "entity", "query_entity", message)]) from exc
    if model not in {kind.model for kind in EDITABLE_KINDS.values()}:
        message = gettext(UNKNOWN_ENTITY).format(entity=entity)
        raise ValidationFailed([Problem("Query (new)", "entity", "query_entity", message)])
    return model


def queryable_fields(model: type[models.Model]) -> tuple[str, ...]:
    """The fields of ``model`` a query may name: its concrete data fields, in the model's order."""
    return tuple(
        f.name
        for f in model._meta.concrete_fields
        if f.name not in BOOKKEEPING and not getattr(f, "primary_key", False)
    )


def _check_field(model: type[models.Model], record: models.Model, field: str) -> None:
    try:
        found = model._meta.get_field(field)
    except FieldDoesNotExist:
        found = None
    if found is None or field not in queryable_fields(model):
        message = gettext(UNKNOWN_FIELD).format(record=_record_label(model, record), field=field)
        raise ValidationFailed([Problem("Query (new)", "field", "query_field", message)])


def _text(text: str | None, what: str, record: str, *, required: bool) -> str:
    text = (text or "").strip()
    if required and not text:
        message = gettext(TEXT_REQUIRED).format(what=what)
        raise ValidationFailed([Problem(record, "text", "query_text_required", message)])
    if len(text) > TEXT_MAX:
        message = gettext(TEXT_TOO_LONG).format(limit=TEXT_MAX)
        raise ValidationFailed([Problem(record, "text", "query_text_length", message)])
    return text


def _time_point_of(record: models.Model) -> TimePoint | None:
    """The patient's time point whose window holds the record's date, if any (the latest-due first)."""
    day = next((getattr(record, f) for f in DATE_FIELDS if getattr(record, f, None)), None)
    patient_id = record.pk if isinstance(record, Patient) else getattr(record, "patient_id", None)
    if not isinstance(day, dt.date) or patient_id is None:
        return None
    return (
        TimePoint.objects.filter(patient_id=patient_id, window_start__lte=day, window_end__gte=day)
        .order_by("-due_date")
        .first()
    )


def _event(query: Query, actor: Any, kind: QueryEventKind, text: str, at: dt.datetime) -> QueryEvent:
    return QueryEvent.objects.create(
        query=query, at=at, actor=None if actor is SYSTEM else actor, kind=kind, text=text
    )


def _audit(
    actor: Any, action: AuditAction, query: Query, before: str | None, text: str, reason: str = ""
) -> None:
    after: dict[str, Any] = {"status": query.status, "text": text}
    if action == AuditAction.QUERY_RAISE:
        after.update(
            entity=query.entity,
            record_id=query.record_id,
            field=query.field,
            severity=query.severity,
            rule=query.rule,
            time_point_id=query.time_point_id,
        )
    audit_write(
        actor=actor,
        action=action,
        record=query,
        entity=ENTITY,
        centre_id=query.centre_id,
        patient_id=query.patient_id,
        before=None if before is None else {"status": before},
        after=after,
        reason=reason,
    )


def query_raise(
    *,
    actor: Any,
    field: str,
    text: str,
    record: models.Model | None = None,
    entity: str | None = None,
    record_id: int | None = None,
    severity: str = Severity.WARNING,
) -> Query:
    """Raise a query on ``field`` of one record: ``record`` itself, or ``entity`` and ``record_id``."""
    if record is not None:
        model: type[models.Model] = type(record)
        queryable_model(model._meta.label_lower)
    else:
        model = queryable_model(entity or "")
        record = _record_for(model, record_id)
    patient = record if isinstance(record, Patient) else record.patient
    scope = scope_for(actor)
    label = _record_label(model, record)
    if not scope.can_read(patient.centre_id):
        raise NotFound(gettext(NOT_FOUND).format(what=label))
    if not scope.can_raise_query(patient.centre_id):
        raise PermissionDenied(gettext(MAY_NOT_RAISE).format(record=label))
    _check_field(model, record, field)
    if severity not in Severity.values:
        message = gettext(UNKNOWN_SEVERITY).format(allowed=", ".join(Severity.values), value=severity)
        raise ValidationFailed([Problem("Query (new)", "severity", "query_severity", message)])
    text = _text(text, "a query", "Query (new)", required=True)
    now = _now()
    with transaction.atomic():
        query = Query.objects.create(
            centre_id=patient.centre_id,
            patient=patient,
            entity=model._meta.label_lower,
            record_id=record.pk,
            field=field,
            time_point=_time_point_of(record),
            severity=severity,
            text=text,
            status=QueryStatus.OPEN,
            raised_by=None if actor is SYSTEM else actor,
            raised_at=now,
        )
        _event(query, actor, QueryEventKind.RAISED, text, now)
        _audit(actor, AuditAction.QUERY_RAISE, query, None, text)
    return query


def _record_for(model: type[models.Model], record_id: Any) -> models.Model:
    what = f"{capfirst(str(model._meta.verbose_name))} {record_id}"
    try:
        rows = model.objects.all() if model is Patient else model.objects.select_related("patient")
        return rows.get(pk=record_id)
    except (model.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(gettext(NOT_FOUND).format(what=what)) from exc


def _locked(query: Query | int, scope: Scope) -> Query:
    """The query, re-read and locked for the step; NotFound if its centre is not the user's to read."""
    pk = query.pk if isinstance(query, Query) else query
    try:
        found = Query.objects.select_for_update().get(pk=pk)
    except (Query.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(gettext(QUERY_NOT_FOUND).format(pk=pk)) from exc
    if not scope.can_read(found.centre_id):
        raise NotFound(gettext(QUERY_NOT_FOUND).format(pk=pk))
    return found


def _raised_by(query: Query, actor: Any) -> bool:
    return query.raised_by_id is not None and actor is not SYSTEM and query.raised_by_id == actor.pk


def _transition(query: Query, verb: str, allowed: tuple[str, ...]) -> None:
    if query.status not in allowed:
        message = gettext(TRANSITION).format(
            pk=query.pk, status=query.status, verb=verb, allowed=" or ".join(allowed)
        )
        raise ValidationFailed([Problem(query_label(query), "status", "query_transition", message)])


def may_comment(scope: Scope, query: Query, actor: Any) -> bool:
    return scope.can_read(query.centre_id) and (
        _raised_by(query, actor) or scope.coordinates or scope.can_write(query.centre_id)
    )


def may_answer(scope: Scope, query: Query) -> bool:
    return scope.can_answer_query(query.centre_id)


def may_close(scope: Scope, query: Query, actor: Any) -> bool:
    """Close or re-open: whoever raised it, or a coordinator (a rule's query: a coordinator only)."""
    if not scope.can_read(query.centre_id):
        return False
    return scope.coordinates or _raised_by(query, actor)


def _require_close(scope: Scope, query: Query, actor: Any, verb: str) -> None:
    if may_close(scope, query, actor):
        return
    if query.raised_by_id is None:
        raise PermissionDenied(
            gettext(MAY_NOT_CLOSE_RULE).format(pk=query.pk, rule=query.rule or "?", verb=verb)
        )
    raise PermissionDenied(gettext(MAY_NOT_CLOSE).format(pk=query.pk, verb=verb))


def query_comment(*, actor: Any, query: Query | int, text: str) -> Query:
    """Add a comment to the thread (the status stays); not on a closed query (re-open it first)."""
    scope = scope_for(actor)
    with transaction.atomic():
        found = _locked(query, scope)
        if not may_comment(scope, found, actor):
            raise PermissionDenied(gettext(MAY_NOT_COMMENT).format(pk=found.pk))
        _transition(found, "commented on", (QueryStatus.OPEN, QueryStatus.ANSWERED))
        body = _text(text, "a comment", query_label(found), required=True)
        _event(found, actor, QueryEventKind.COMMENT, body, _now())
        _audit(actor, AuditAction.QUERY_COMMENT, found, found.status, body)
    return found


def query_answer(*, actor: Any, query: Query | int, text: str) -> Query:
    """The centre answers an open query (open -> answered); correcting the record is a separate write."""
    scope = scope_for(actor)
    with transaction.atomic():
        found = _locked(query, scope)
        if not may_answer(scope, found):
            raise PermissionDenied(gettext(MAY_NOT_ANSWER).format(pk=found.pk))
        _transition(found, "answered", (QueryStatus.OPEN,))
        body = _text(text, "an answer", query_label(found), required=True)
        now = _now()
        before = found.status
        found.status, found.answered_at = QueryStatus.ANSWERED, now
        found.save(update_fields=["status", "answered_at"])
        _event(found, actor, QueryEventKind.ANSWERED, body, now)
        _audit(actor, AuditAction.QUERY_ANSWER, found, before, body)
    return found


def query_close(*, actor: Any, query: Query | int, text: str = "") -> Query:
    """Close an open or answered query (the raiser, or a coordinator); the text is optional."""
    scope = scope_for(actor)
    with transaction.atomic():
        found = _locked(query, scope)
        _require_close(scope, found, actor, "close")
        _transition(found, "closed", (QueryStatus.OPEN, QueryStatus.ANSWERED))
        body = _text(text, "closing", query_label(found), required=False)
        now = _now()
        before = found.status
        found.status, found.closed_at = QueryStatus.CLOSED, now
        found.closed_by = None if actor is SYSTEM else actor
        found.save(update_fields=["status", "closed_at", "closed_by"])
        _event(found, actor, QueryEventKind.CLOSED, body, now)
        _audit(actor, AuditAction.QUERY_CLOSE, found, before, body)
    return found


def query_reopen(*, actor: Any, query: Query | int, text: str) -> Query:
    """Re-open a closed query (the raiser, or a coordinator), saying why."""
    scope = scope_for(actor)
    with transaction.atomic():
        found = _locked(query, scope)
        _require_close(scope, found, actor, "re-open")
        _transition(found, "re-opened", (QueryStatus.CLOSED,))
        body = _text(text, "re-opening", query_label(found), required=True)
        before = found.status
        found.status, found.closed_at, found.closed_by, found.answered_at = QueryStatus.OPEN, None, None, None
        found.save(update_fields=["status", "closed_at", "closed_by", "answered_at"])
        _event(found, actor, QueryEventKind.REOPENED, body, _now())
        _audit(actor, AuditAction.QUERY_REOPEN, found, before, body)
    return found
