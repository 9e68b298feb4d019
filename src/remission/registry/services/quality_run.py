"""``quality_run``: refresh the time points, evaluate the data-quality rules, and keep the rules' queries.

In one transaction, for the whole registry, one centre, or some patients:

1. the follow-up time points are refreshed (``registry.quality.timepoints.refresh``);
2. every configured rule is evaluated (``registry.quality.evaluate``);
3. the rules' queries are reconciled with the findings, by (rule, entity, record, field):

   - a new finding opens a query (``raised_by`` empty, the rule's id and severity, the finding's message
     as its text) with a ``raised`` event;
   - an open or answered rule query whose finding is gone is closed (``closed_by`` empty, event
     ``closed``: "the data no longer break rule X");
   - a rule query closed that way whose finding returns is re-opened;
   - a rule query a person closed (``closed_by`` set, e.g. "value confirmed") stays closed.

Each transition adds one audit row (``query_raise``, ``query_close``, ``query_reopen``; entity
``registry.query``, the status before and after, as ``services.queries`` writes them) through the bulk
audit writer, and the run one ``quality_run`` row with its counts. A centre's run reads and touches only
that centre's patients and queries. Only the queries of rules that ran are reconciled: a rule switched
off in the settings leaves its queries as they are.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from remission.registry.access import SYSTEM, scope_for
from remission.registry.codes import AuditAction, QueryEventKind, QueryStatus
from remission.registry.errors import NotFound, PermissionDenied
from remission.registry.findings import Finding
from remission.registry.models import AuditRecord, Patient, Query, QueryEvent
from remission.registry.quality import timepoints
from remission.registry.quality.evaluate import evaluate, with_time_points
from remission.registry.quality.rules import settings_rules
from remission.registry.quality.timepoints import RefreshCounts
from remission.registry.services.audit import audit_write, audit_write_many
from remission.registry.services.batch import insert_rows, new_rows

ENTITY = "registry.query"
RUN_ENTITY = "registry.qualityrun"
CLOSED_TEXT = "the data no longer break rule {rule}"
REOPENED_TEXT = "the data break rule {rule} again: {message}"
REASON = "data-quality rule {rule}"
NOT_FOUND = gettext_noop("{what} was not found")
MAY_NOT_RUN = gettext_noop("your role may not run the data-quality rules over {what}")
BATCH = 2000
# The records a patient's time points are derived from (``registry.quality.timepoints``): the infusions
# and their products, the follow-ups, the death, and the patient's consent.
TIME_POINT_SOURCES = frozenset({"patient", "infusion", "cellproduct", "followup", "outcomeevent"})

Progress = Callable[[str], None]


@dataclass(frozen=True)
class QualityRunSummary:
    """What one run found and did."""

    patients: int
    findings: Mapping[str, int]  # rule id -> findings (every rule run, zeros included)
    opened: int
    closed: int
    reopened: int
    time_points: RefreshCounts

    @property
    def total_findings(self) -> int:
        return sum(self.findings.values())


def _require_run(actor: Any, centre_id: int | None, patient_ids: Collection[int] | None) -> None:
    """The operator, a coordinator or an administrator runs anything; a centre's writers run their own
    centre or patients. Another centre is "not found"."""
    if actor is SYSTEM:
        return
    scope = scope_for(actor)
    if scope.coordinates:
        return
    if centre_id is None and patient_ids is None:
        raise PermissionDenied(gettext(MAY_NOT_RUN).format(what=gettext("the whole registry")))
    centres = {centre_id} if centre_id is not None else set()
    if patient_ids is not None:
        centres |= set(Patient.objects.filter(pk__in=list(patient_ids)).values_list("centre_id", flat=True))
    for centre in centres:
        if not scope.can_read(centre):
            raise NotFound(gettext(NOT_FOUND).format(what=gettext("centre {centre}").format(centre=centre)))
        if not scope.can_write(centre):
            raise PermissionDenied(
                gettext(MAY_NOT_RUN).format(what=gettext("centre {centre}").format(centre=centre))
            )


def _refresh_time_points(
    centre_id: int | None, patient_ids: Collection[int] | None, today: dt.date
) -> RefreshCounts:
    """``timepoints.refresh`` for the patients in scope (a centre's, named)."""
    if patient_ids is None and centre_id is not None:
        patient_ids = list(Patient.objects.filter(centre_id=centre_id).values_list("pk", flat=True))
    return timepoints.refresh(None if patient_ids is None else list(patient_ids), today=today)


def quality_run(
    *,
    actor: Any,
    centre_id: int | None = None,
    patient_ids: Collection[int] | None = None,
    progress: Progress | None = None,
    today: dt.date | None = None,
    raise_new: bool = True,
) -> QualityRunSummary:
    """Refresh time points, evaluate the rules and open, close or re-open the rules' queries (see the
    module docstring); ``progress(step)`` is called after each step (:func:`steps` counts them).
    ``raise_new=False`` only closes and re-opens existing rule queries (the re-evaluation after a write).
    """
    today = today or dt.date.today()
    _require_run(actor, centre_id, patient_ids)
    rules = settings_rules()
    with transaction.atomic():
        counts = _refresh_time_points(centre_id, patient_ids, today)
        if progress:
            progress("time points")
        evaluation = evaluate(
            centre_id=centre_id,
            patient_ids=patient_ids,
            today=today,
            rules=rules,
            progress=progress,
            time_points=False,  # only a new query needs its time point: found for those alone
        )
        opened, closed, reopened = _reconcile(
            actor, evaluation.findings, {rule.id for rule in rules}, centre_id, patient_ids, raise_new
        )
        if progress:
            progress("queries")
        summary = QualityRunSummary(
            patients=evaluation.patients,
            findings=evaluation.counts,
            opened=opened,
            closed=closed,
            reopened=reopened,
            time_points=counts,
        )
        if patient_ids is not None and not (opened or closed or reopened):
            return summary  # a patient's re-evaluation that changed nothing: the write's own row says it
        audit_write(
            actor=actor,
            action=AuditAction.QUALITY_RUN,
            record=None,
            entity=RUN_ENTITY,
            centre_id=centre_id,
            patient_id=next(iter(patient_ids)) if patient_ids is not None and len(patient_ids) == 1 else None,
            before=None,
            after={
                "scope": _scope_words(centre_id, patient_ids),
                "patients": summary.patients,
                "findings": dict(summary.findings),
                "opened": opened,
                "closed": closed,
                "reopened": reopened,
                "time_points": dataclasses.asdict(counts),
            },
        )
    return summary


def quality_after_write(
    *, actor: Any, patient_id: int, model_name: str | None = None, today: dt.date | None = None
) -> None:
    """After a write of one of the patient's records (``services.records``; ``model_name`` is the
    record's, e.g. ``followup``): refresh the patient's time points when the record is one they are
    derived from (:data:`TIME_POINT_SOURCES`), and, when the patient has rule queries a run could close or
    re-open, re-evaluate the patient so that a query closes itself once the data no longer break its rule.
    New queries are raised by the next full run (``remission quality run``), not in the middle of
    someone's data entry."""
    today = today or dt.date.today()
    watched = (
        Query.objects.filter(patient_id=patient_id)
        .exclude(rule="")
        .filter(
            Q(status__in=(QueryStatus.OPEN, QueryStatus.ANSWERED))
            | Q(status=QueryStatus.CLOSED, closed_by__isnull=True)
        )
        .exists()
    )
    if watched:
        quality_run(actor=actor, patient_ids=[patient_id], today=today, raise_new=False)
    elif model_name is None or model_name in TIME_POINT_SOURCES:
        _refresh_time_points(None, [patient_id], today)


def steps() -> int:
    """How many times ``quality_run`` calls ``progress``: time points, the read, each rule, the queries."""
    return len(settings_rules()) + 3


def _scope_words(centre_id: int | None, patient_ids: Collection[int] | None) -> str:
    if patient_ids is not None:
        return f"{len(patient_ids)} patient(s)"
    return "whole registry" if centre_id is None else f"centre {centre_id}"


class _Stored(NamedTuple):
    """A rule query as the reconciliation reads it."""

    id: int
    rule: str
    status: str
    closed_by_id: int | None
    centre_id: int
    patient_id: int


def _existing(
    rule_ids: set[str], centre_id: int | None, patient_ids: Collection[int] | None
) -> dict[tuple[str, str, int, str], _Stored]:
    rows = Query.objects.filter(rule__in=sorted(rule_ids)).exclude(rule="")
    if centre_id is not None:
        rows = rows.filter(centre_id=centre_id)
    if patient_ids is not None:
        rows = rows.filter(patient_id__in=list(patient_ids))
    columns = (
        "rule",
        "entity",
        "record_id",
        "field",
        "id",
        "status",
        "closed_by_id",
        "centre_id",
        "patient_id",
    )
    return {
        (rule, entity, record_id, field): _Stored(pk, rule, status, closed_by, centre, patient)
        for rule, entity, record_id, field, pk, status, closed_by, centre, patient in rows.values_list(
            *columns
        )
    }


def _reconcile(
    actor: Any,
    findings: tuple[Finding, ...],
    rule_ids: set[str],
    centre_id: int | None,
    patient_ids: Collection[int] | None,
    raise_new: bool,
) -> tuple[int, int, int]:
    now = timezone.now()
    existing = _existing(rule_ids, centre_id, patient_ids)
    found: dict[tuple[str, str, int, str], Finding] = {}
    for finding in findings:
        found.setdefault(finding.key, finding)
    to_open = [f for key, f in found.items() if key not in existing] if raise_new else []
    if to_open:
        to_open = with_time_points(to_open, centre_id=centre_id, patient_ids=patient_ids)
    to_reopen = [
        (stored, f)
        for key, f in found.items()
        if (stored := existing.get(key)) is not None
        and stored.status == QueryStatus.CLOSED
        and stored.closed_by_id is None
    ]
    to_close = [
        stored
        for key, stored in existing.items()
        if stored.status in (QueryStatus.OPEN, QueryStatus.ANSWERED) and key not in found
    ]
    audit: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    opened = new_rows(
        Query,
        (
            {
                "centre_id": f.centre_id,
                "patient_id": f.patient_id,
                "entity": f.entity,
                "record_id": f.record_id,
                "field": f.field,
                "time_point_id": f.time_point_id,
                "rule": f.rule,
                "severity": f.severity,
                "text": f.message,
                "status": QueryStatus.OPEN,
                "raised_at": now,
            }
            for f in to_open
        ),
    )
    insert_rows(Query, opened)  # each row gets its id
    for query, f in zip(opened, to_open, strict=True):
        events.append({"query_id": query.pk, "at": now, "kind": QueryEventKind.RAISED, "text": f.message})
        after = {
            "status": QueryStatus.OPEN,
            "text": f.message,
            "entity": f.entity,
            "record_id": f.record_id,
            "field": f.field,
            "severity": f.severity,
            "rule": f.rule,
            "time_point_id": f.time_point_id,
        }
        audit.append(_audit_row(actor, AuditAction.QUERY_RAISE, query.pk, f, None, after, f.rule))
    for stored, f in to_reopen:
        text = REOPENED_TEXT.format(rule=f.rule, message=f.message)
        events.append({"query_id": stored.id, "at": now, "kind": QueryEventKind.REOPENED, "text": text})
        after = {"status": QueryStatus.OPEN, "text": text}
        before = {"status": QueryStatus.CLOSED}
        audit.append(_audit_row(actor, AuditAction.QUERY_REOPEN, stored.id, stored, before, after, f.rule))
    for stored in to_close:
        text = CLOSED_TEXT.format(rule=stored.rule)
        events.append({"query_id": stored.id, "at": now, "kind": QueryEventKind.CLOSED, "text": text})
        after = {"status": QueryStatus.CLOSED, "text": text}
        before = {"status": stored.status}
        audit.append(
            _audit_row(actor, AuditAction.QUERY_CLOSE, stored.id, stored, before, after, stored.rule)
        )
    reopen_ids = [stored.id for stored, _ in to_reopen]
    close_ids = [stored.id for stored in to_close]
    for start in range(0, len(reopen_ids), BATCH):
        Query.objects.filter(pk__in=reopen_ids[start : start + BATCH]).update(
            status=QueryStatus.OPEN, closed_at=None, closed_by=None, answered_at=None
        )
    for start in range(0, len(close_ids), BATCH):
        Query.objects.filter(pk__in=close_ids[start : start + BATCH]).update(
            status=QueryStatus.CLOSED, closed_at=now, closed_by=None
        )
    insert_rows(QueryEvent, new_rows(QueryEvent, events))
    audit_write_many(new_rows(AuditRecord, audit), insert=insert_rows)
    return len(to_open), len(to_close), len(to_reopen)


def _audit_row(
    actor: Any,
    action: AuditAction,
    query_id: int,
    owner: Finding | _Stored,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    rule: str,
) -> dict[str, Any]:
    """One audit row as ``services.queries`` writes it (entity ``registry.query``, the status before and
    after), for ``audit_write_many``; ``owner`` gives the query's centre and patient."""
    return {
        "actor_id": None if actor is SYSTEM else actor.pk,
        "action": action,
        "entity": ENTITY,
        "record_id": query_id,
        "centre_id": owner.centre_id,
        "patient_id": owner.patient_id,
        "before": before,
        "after": after,
        "reason": REASON.format(rule=rule),
    }
